"""User admin links an enterprise account to its enterprise (by credit code, within the admin's scope)
and unlinks it; every change is audited."""

import pytest
from django.core.exceptions import ValidationError

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises import actions
from kechuang.enterprises.models import Enterprise
from kechuang.org.actions import ActionRefused
from kechuang.org.models import RoleGrant, User
from kechuang.org.roles import Role, Scope

pytestmark = pytest.mark.django_db


def new_account(client, dept, username, **extra):
    data = {
        "username": username,
        "display_name": "企业联络员",
        "departments": [dept("汉丰街道").pk],
        "password1": "Qiye#Account2031",
        "password2": "Qiye#Account2031",
        **extra,
    }
    return client.post("/org/users/new/", data)


def test_a_bureau_admin_links_a_new_enterprise_account_and_unlinks_it(client_as, dept, user):
    enterprise = Enterprise.objects.filter(town__name="汉丰街道").exclude(users__isnull=False).first()
    client = client_as("sysadmin")
    assert "关联企业（统一社会信用代码）" in client.get("/org/users/new/").content.decode()
    response = new_account(client, dept, "qiye2", enterprise_code=enterprise.credit_code.lower())
    account = User.objects.get(username="qiye2")
    assert response.status_code == 302 and list(account.enterprises.all()) == [enterprise]
    entry = ChangeEntry.objects.filter(content_type__model="enterprise", object_id=str(enterprise.pk)).latest(
        "pk"
    )
    assert entry.actor == user("sysadmin") and "users" in entry.changed_fields
    RoleGrant.objects.create(
        user=account, role=Role.ENTERPRISE, scope=Scope.SELF, department=dept("汉丰街道")
    )
    assert client_as(account).get(f"/enterprises/{enterprise.pk}/propose/").status_code == 200
    detail = client.get(f"/org/users/{account.pk}/").content.decode()
    assert enterprise.credit_code in detail
    edit = client.get(f"/org/users/{account.pk}/edit/").content.decode()
    assert f'value="{enterprise.credit_code}"' in edit
    # cleared on the edit page: unlinked, audited, and the enterprise's pages are closed to the account
    response = client.post(
        f"/org/users/{account.pk}/edit/",
        {
            "display_name": "企业联络员",
            "departments": [dept("汉丰街道").pk],
            "is_active": "on",
            "enterprise_code": "",
            "reason": "联络员离职",
        },
    )
    assert response.status_code == 302 and not account.enterprises.exists()
    last = ChangeEntry.objects.filter(content_type__model="enterprise", object_id=str(enterprise.pk)).latest(
        "pk"
    )
    assert last.reason == "联络员离职" and last.actor == user("sysadmin")
    assert client_as(account).get(f"/enterprises/{enterprise.pk}/").status_code == 404


def test_an_admin_cannot_link_an_enterprise_outside_their_scope(client_as, dept, user):
    town_admin = User.objects.create(username="hanfeng-admin", display_name="汉丰街道管理员")
    RoleGrant.objects.create(
        user=town_admin, role=Role.SYSTEM_ADMIN, scope=Scope.SUBTREE, department=dept("汉丰街道")
    )
    elsewhere = Enterprise.objects.exclude(town__name="汉丰街道").first()
    response = new_account(client_as(town_admin), dept, "qiye3", enterprise_code=elsewhere.credit_code)
    body = response.content.decode()
    assert response.status_code == 200
    assert f"统一社会信用代码“{elsewhere.credit_code}”：未找到该企业，或该企业不在您的管理范围内。" in body
    assert not User.objects.filter(username="qiye3").exists()  # nothing half-made
    # nor through the action, nor by unlinking an account from an enterprise they do not manage
    account = User.objects.create(username="qiye4", display_name="企业联络员")
    from kechuang.org.models import Membership

    Membership.objects.create(user=account, department=dept("汉丰街道"), is_primary=True)
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        actions.link_account(town_admin, account, elsewhere.credit_code)
    elsewhere.users.add(account)
    with pytest.raises(ActionRefused, match="不能解除关联"):
        actions.link_account(town_admin, account, "")
    # a reporter's account is not an enterprise account
    with pytest.raises(ValidationError, match="只有企业用户账号可以关联企业"):
        actions.link_account(user("sysadmin"), user("hanfeng"), elsewhere.credit_code)
    with pytest.raises(ActionRefused, match="没有管理用户的权限"):
        actions.link_account(user("hanfeng"), account, elsewhere.credit_code)
