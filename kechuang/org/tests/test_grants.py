"""Granting: nobody hands out a role or a scope wider than their own; refusals store nothing."""

import re

import pytest

from kechuang.audit.models import ChangeEntry
from kechuang.org import actions
from kechuang.org.models import Department, RoleGrant, User
from kechuang.org.roles import Role, Scope
from kechuang.org.scope import grant_refusal, manage_refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_admin(dept):
    """A 系统管理员 whose reach is the Kaizhou subtree only (a city deployment's district IT admin)."""
    admin = User.objects.create(username="kz_it", display_name="开州信息中心")
    admin.memberships.create(department=dept("区科技局"), is_primary=True)
    RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN, scope=Scope.SUBTREE, department=dept())
    return User.objects.get(pk=admin.pk)


@pytest.fixture
def town_admin(dept):
    """A 系统管理员 limited to one town (department scope)."""
    admin = User.objects.create(username="hf_admin", display_name="汉丰管理员")
    admin.memberships.create(department=dept("汉丰街道"), is_primary=True)
    RoleGrant.objects.create(
        user=admin, role=Role.SYSTEM_ADMIN, scope=Scope.DEPARTMENT, department=dept("汉丰街道")
    )
    return User.objects.get(pk=admin.pk)


def test_subtree_admin_grants_inside_the_subtree(district_admin, dept):
    assert grant_refusal(district_admin, Role.REPORTER, Scope.DEPARTMENT, dept("汉丰街道")) is None
    assert grant_refusal(district_admin, Role.BUREAU_ADMIN, Scope.SUBTREE, dept()) is None


def test_subtree_admin_cannot_grant_all_or_outside(district_admin, dept):
    assert "数据范围" in grant_refusal(district_admin, Role.LEADER, Scope.ALL, None)
    city = Department.objects.get(name="重庆市")
    assert "数据范围" in grant_refusal(district_admin, Role.LEADER, Scope.SUBTREE, city)


def test_department_admin_cannot_widen_to_subtree(town_admin, dept):
    assert grant_refusal(town_admin, Role.REPORTER, Scope.DEPARTMENT, dept("汉丰街道")) is None
    assert grant_refusal(town_admin, Role.REPORTER, Scope.SELF, dept("汉丰街道")) is None
    assert "数据范围" in grant_refusal(town_admin, Role.REPORTER, Scope.SUBTREE, dept("汉丰街道"))
    assert "数据范围" in grant_refusal(town_admin, Role.REPORTER, Scope.DEPARTMENT, dept("文峰街道"))


def test_the_bureaus_business_role_grants_nothing(user, dept):
    """三员分立: accounts and grants are the system administrator's, not the bureau's."""
    kjj = user("kjj")
    for role in (Role.REPORTER, Role.SYSTEM_ADMIN, Role.BUREAU_ADMIN):
        assert grant_refusal(kjj, role, Scope.DEPARTMENT, dept("区财政局")) == "您没有管理用户的权限。"
    assert grant_refusal(user("sysadmin"), Role.REPORTER, Scope.DEPARTMENT, dept("区财政局")) is None


def test_roles_without_user_management_cannot_grant_anything(user, dept):
    for username in ["jxw", "leader", "qiye", "expert", "fuwu"]:
        assert grant_refusal(user(username), Role.ENTERPRISE, Scope.SELF, dept()) == "您没有管理用户的权限。"


def test_refused_grant_through_action_stores_nothing(district_admin, user):
    target = user("jxw")
    before = (RoleGrant.objects.count(), ChangeEntry.objects.count())
    with pytest.raises(actions.ActionRefused):
        actions.grant_role(district_admin, target, role=Role.LEADER, scope=Scope.ALL, department=None)
    assert (RoleGrant.objects.count(), ChangeEntry.objects.count()) == before


def test_manager_cannot_edit_someone_with_wider_rights(district_admin, user):
    wider = User.objects.create(username="city_it", display_name="市信息中心")
    RoleGrant.objects.create(user=wider, role=Role.SYSTEM_ADMIN, scope=Scope.ALL)
    assert manage_refusal(district_admin, wider) is not None
    assert manage_refusal(district_admin, user("jxw")) is None
    with pytest.raises(actions.ActionRefused):
        actions.set_password(district_admin, wider, "Another#Pass2024")


def test_grant_form_refuses_wider_scope_with_a_clear_message(client_as, user, dept):
    target = user("hanfeng")
    response = client_as("sysadmin").post(
        f"/org/users/{target.pk}/grants/new/", {"role": Role.LEADER, "scope": Scope.ALL, "department": ""}
    )
    assert response.status_code == 200
    assert "您不能授予该数据范围：超出您本人的数据范围。" in response.content.decode()
    assert not RoleGrant.objects.filter(user=target, role=Role.LEADER).exists()


def test_grant_and_revoke_through_the_pages(client_as, user, dept):
    target = user("hanfeng")
    client = client_as("sysadmin")
    response = client.post(
        f"/org/users/{target.pk}/grants/new/",
        {"role": Role.EXPERT, "scope": Scope.SELF, "department": dept().pk, "reason": "聘为评审专家"},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=target, role=Role.EXPERT)
    entry = ChangeEntry.objects.filter(object_id=str(grant.pk), action="create").latest("pk")
    assert entry.actor == user("sysadmin") and entry.reason == "聘为评审专家" and entry.source == "web"
    response = client.post(f"/org/grants/{grant.pk}/revoke/", {"reason": "聘期结束"})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert ChangeEntry.objects.filter(object_id=str(grant.pk), action="delete", reason="聘期结束").exists()


def test_scope_without_department_is_refused(client_as, user):
    target = user("hanfeng")
    response = client_as("sysadmin").post(
        f"/org/users/{target.pk}/grants/new/", {"role": Role.REPORTER, "scope": Scope.DEPARTMENT}
    )
    assert "除“全部数据”外，必须选择范围单位。" in response.content.decode()


def _selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)"[^>]* selected>', select)


def test_saving_an_untouched_user_keeps_every_membership_and_the_primary(client_as, user, dept):
    # 汉丰街道 is the primary; 重庆市 lies above the editor's reach and before 汉丰街道 in the tree
    target = user("hanfeng")
    city = Department.objects.get(depth=1, name="重庆市")
    target.memberships.create(department=city, is_primary=False)
    client = client_as("sysadmin")
    html = client.get(f"/org/users/{target.pk}/edit/").content.decode()
    departments, primary = _selected(html, "departments"), _selected(html, "primary")
    assert sorted(departments) == sorted([str(city.pk), str(dept("汉丰街道").pk)])
    assert primary == [str(dept("汉丰街道").pk)]
    last = ChangeEntry.objects.order_by("-pk").first().pk
    response = client.post(
        f"/org/users/{target.pk}/edit/",
        {
            "display_name": target.display_name,
            "phone": target.phone,
            "is_active": "on",
            "departments": departments,
            "primary": primary,
        },
    )
    assert response.status_code == 302
    assert target.memberships.get(is_primary=True).department == dept("汉丰街道")
    assert target.memberships.count() == 2
    assert not ChangeEntry.objects.filter(pk__gt=last).exists()


def test_the_primary_department_is_chosen_explicitly(client_as, user, dept):
    target = user("hanfeng")
    town, bureau = dept("汉丰街道"), dept("区科技局")
    client = client_as("sysadmin")
    data = {
        "display_name": target.display_name,
        "phone": target.phone,
        "is_active": "on",
        "departments": [town.pk, bureau.pk],
        "primary": town.pk,
    }
    client.post(f"/org/users/{target.pk}/edit/", {**data, "primary": bureau.pk})
    assert target.memberships.get(is_primary=True).department == bureau
    response = client.post(
        f"/org/users/{target.pk}/edit/", {**data, "departments": [town.pk], "primary": bureau.pk}
    )
    assert "主单位必须是所属单位之一。" in response.content.decode()
