"""The user and department registries through the kit's generic tests, and what they add."""

from kechuang.org.models import Department, Membership, User
from kechuang.testing.registry import RegistryTests

PASSWORD = "Kc-登记簿-2031-strong"


class TestUserRegistry(RegistryTests):
    registry_key = "users"
    editor = "sysadmin"
    viewer_without_change = "leader"
    outsider = "leader"
    scoped = "sysadmin"
    filter_params = [{}, {"q": "hanfeng"}, {"q": "不存在的人"}]

    def sample(self, user):
        return user("hanfeng")

    def outside_scope(self, user):
        # an account of a unit above the district: the district's administrator does not manage it
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
    response = client_as("sysadmin").get("/org/users/", {"department": Department.objects.get(depth=1).pk})
    assert response.status_code == 400
    assert "所属单位：" in response.content.decode() and "不在您的数据范围内" in response.content.decode()
    listed = client_as("sysadmin").get("/org/users/", {"department": dept("汉丰街道").pk})
    assert [u.username for u in listed.context["page"]] == ["hanfeng"]


def test_the_first_picked_department_becomes_the_primary_one(client_as, dept):
    town, bureau = dept("汉丰街道"), dept("区科技局")
    data = TestUserRegistry().create_data(dept) | {"departments": [bureau.pk, town.pk]}
    response = client_as("sysadmin").post("/org/users/new/", data)
    created = User.objects.get(username="kit-user")
    assert response["Location"] == f"/org/users/{created.pk}/"
    assert created.primary_department() == bureau


def test_the_user_api_shows_no_secret_and_writes_through_the_pages_forms(client_as, user, dept):
    client = client_as("sysadmin")
    listed = client.get("/api/v1/users", {"q": "hanfeng"}).json()
    assert listed["count"] == 1 and listed["results"][0]["departments"] == ["汉丰街道"]
    assert not {"password", "secret_hash"} & set(listed["results"][0])
    payload = {
        "username": "api-user",
        "display_name": "接口用户",
        "departments": [dept("汉丰街道").pk],
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post("/api/v1/users", {**payload, "password2": "x"}, content_type="application/json")
    assert response.status_code == 422 and "两次输入的密码不一致" in response.json()["detail"]
    response = client.post("/api/v1/users", payload, content_type="application/json")
    assert response.status_code == 201 and "password" not in response.json()
    created = User.objects.get(username="api-user")
    assert created.check_password(PASSWORD)
    response = client.patch(
        f"/api/v1/users/{created.pk}", {"phone": "13800000000"}, content_type="application/json"
    )
    assert response.status_code == 200
    created.refresh_from_db()
    assert created.phone == "13800000000" and created.display_name == "接口用户"
    assert [m.department for m in created.memberships.all()] == [dept("汉丰街道")]
    # an account above the manager's own is not theirs to change, on the API as on the page
    wider = User.objects.create(username="city_it", display_name="市信息中心")
    wider.grants.create(role="system_admin", scope="all")
    Membership.objects.create(user=wider, department=dept("汉丰街道"), is_primary=True)
    response = client.patch(f"/api/v1/users/{wider.pk}", {"phone": "1"}, content_type="application/json")
    assert response.status_code == 403


def test_the_department_api_writes_for_who_manages_departments(client_as, dept):
    payload = {"parent": dept("区科技局").pk, "name": "接口科室", "kind": "unit"}
    response = client_as("kjj").post("/api/v1/departments", payload, content_type="application/json")
    assert response.status_code == 403
    response = client_as("sysadmin").post("/api/v1/departments", payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["parent_id"] == dept("区科技局").pk
    made = Department.objects.get(name="接口科室")
    response = client_as("sysadmin").patch(
        f"/api/v1/departments/{made.pk}", {"short_name": "接口"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["short_name"] == "接口"
    again = client_as("sysadmin").post("/api/v1/departments", payload, content_type="application/json")
    assert again.status_code == 422 and "已有名为“接口科室”的单位" in again.json()["detail"]
