"""The user and department registries through the kit's generic tests, and what they add."""

from kechuang.org.models import Department, Membership, User
from kechuang.testing.registry import RegistryTests

PASSWORD = "Kc-登记簿-2031-strong"


class TestUserRegistry(RegistryTests):
    registry_key = "users"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "leader"
    scoped = "kjj"
    filter_params = [{}, {"q": "hanfeng"}, {"q": "不存在的人"}]

    def sample(self, user):
        return user("hanfeng")  # kjj may not change the system administrator's account

    def outside_scope(self, user):
        # an account of a unit above the district: kjj does not manage it
        root = Department.objects.get(depth=1)
        account = User.objects.create(username="outside", display_name="区外人员")
        Membership.objects.create(user=account, department=root, is_primary=True)
        return account

    def create_data(self, dept):
        return {
            "username": "kit-user",
            "display_name": "登记簿用户",
            "phone": "",
            "departments": [dept("汉丰街道").pk],
            "password1": PASSWORD,
            "password2": PASSWORD,
            "enterprise_code": "",
            "reason": "新聘",
        }

    def edit_changes(self):
        return {"phone": "023-52212345", "reason": "更新电话"}


class TestDepartmentRegistry(RegistryTests):
    registry_key = "departments"
    editor = "sysadmin"
    viewer_without_change = "kjj"
    outsider = "qiye"
    scoped = "kjj"
    filter_params = [{}, {"kind": Department.Kind.TOWN}, {"q": "街道"}]

    def create_data(self, dept):
        return {"parent": dept().pk, "name": "登记簿测试单位", "kind": "unit", "reason": "新设"}

    def edit_changes(self):
        return {"short_name": "测试简称", "reason": "补充简称"}


def test_a_department_outside_the_managers_reach_is_refused_by_name(client_as, dept):
    response = client_as("kjj").get("/org/users/", {"department": Department.objects.get(depth=1).pk})
    assert response.status_code == 400
    assert "所属单位：" in response.content.decode() and "不在您的数据范围内" in response.content.decode()
    listed = client_as("kjj").get("/org/users/", {"department": dept("汉丰街道").pk})
    assert [u.username for u in listed.context["page"]] == ["hanfeng"]


def test_the_first_picked_department_becomes_the_primary_one(client_as, dept):
    town, bureau = dept("汉丰街道"), dept("区科技局")
    data = TestUserRegistry().create_data(dept) | {"departments": [bureau.pk, town.pk]}
    response = client_as("kjj").post("/org/users/new/", data)
    created = User.objects.get(username="kit-user")
    assert response["Location"] == f"/org/users/{created.pk}/"
    assert created.primary_department() == bureau


def test_the_user_api_reads_and_never_writes_nor_shows_secrets(client_as, user):
    client = client_as("kjj")
    listed = client.get("/api/v1/users", {"q": "hanfeng"}).json()
    assert listed["count"] == 1 and listed["results"][0]["departments"] == ["汉丰街道"]
    assert not {"password", "secret_hash"} & set(listed["results"][0])
    assert client.post("/api/v1/users", {}, content_type="application/json").status_code == 405
    hanfeng = user("hanfeng")
    assert client.patch(f"/api/v1/users/{hanfeng.pk}", {}, content_type="application/json").status_code == 405


def test_user_detail_keeps_its_grants_tokens_and_links(client_as, user):
    hanfeng = user("hanfeng")
    page = client_as("kjj").get(f"/org/users/{hanfeng.pk}/").content.decode()
    for shown in ("角色与数据范围", "API 令牌", "关联企业", "变更记录"):
        assert shown in page
    for link in ("edit/", "password/", "grants/new/"):
        assert f"/org/users/{hanfeng.pk}/{link}" in page
    # an account kjj may not manage: shown, with the reason, and nothing to change
    admin = user("sysadmin")
    page = client_as("kjj").get(f"/org/users/{admin.pk}/").content.decode()
    assert f"/org/users/{admin.pk}/edit/" not in page and f"/org/users/{admin.pk}/password/" not in page


def test_department_detail_offers_a_child_with_the_parent_chosen(client_as, dept):
    district = dept()
    page = client_as("sysadmin").get(f"/org/departments/{district.pk}/").content.decode()
    assert f"/org/departments/new/?parent={district.pk}" in page
    form = client_as("sysadmin").get("/org/departments/new/", {"parent": district.pk}).context["form"]
    assert str(form["parent"].value()) == str(district.pk)
    assert (
        "/org/departments/new/"
        not in client_as("kjj").get(f"/org/departments/{district.pk}/").content.decode()
    )
