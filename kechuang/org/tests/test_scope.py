"""visible_to: each scope kind, unions of grants, capabilities, and what anonymous users get."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from kechuang.org.models import Department, RoleGrant, User
from kechuang.org.roles import Capability, Role, Scope
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.plans.models import Plan, Task

pytestmark = pytest.mark.django_db


def make_user(username, *grants, member_of=None):
    user = User.objects.create(username=username, display_name=username)
    for role, scope, department in grants:
        RoleGrant.objects.create(user=user, role=role, scope=scope, department=department)
    if member_of is not None:
        user.memberships.create(department=member_of, is_primary=True)
    return User.objects.get(pk=user.pk)


def test_all_scope_sees_every_department(user):
    from kechuang.org.models import RoleGrant

    everywhere = User.objects.create(username="province_it", display_name="全市信息中心")
    RoleGrant.objects.create(user=everywhere, role="system_admin", scope="all")
    assert visible_to(everywhere, Department.objects.all()).count() == Department.objects.count()
    assert visible_to(user("sysadmin"), Department.objects.all()).count() < Department.objects.count()


def test_subtree_scope_sees_the_district_and_below_but_not_the_city(dept, user):
    visible = visible_to(user("kjj"), Department.objects.all())
    district = dept()
    assert visible.count() == Department.objects.filter(path__startswith=district.path).count()
    assert not visible.filter(name="重庆市").exists()
    assert visible.filter(name="汉丰街道").exists()


def test_department_scope_sees_only_that_department(dept, user):
    visible = list(visible_to(user("jxw"), Department.objects.all()))
    assert visible == [dept("区经济信息委")]


def test_self_scope_sees_only_own_records(user):
    qiye = user("qiye")
    assert list(visible_to(qiye, User.objects.all())) == [qiye]
    assert not visible_to(qiye, Department.objects.all()).exists()


def test_several_grants_combine_as_a_union(dept):
    both = make_user(
        "two_towns",
        (Role.REPORTER, Scope.DEPARTMENT, dept("汉丰街道")),
        (Role.REPORTER, Scope.DEPARTMENT, dept("文峰街道")),
    )
    names = set(visible_to(both, Department.objects.all()).values_list("name", flat=True))
    assert names == {"汉丰街道", "文峰街道"}


def test_capability_narrows_to_grants_that_carry_it(dept):
    mixed = make_user(
        "mixed",
        (Role.LEADER, Scope.SUBTREE, dept()),
        (Role.SYSTEM_ADMIN, Scope.DEPARTMENT, dept("区科技局")),
    )
    assert visible_to(mixed, Department.objects.all()).count() > 60
    managed = visible_to(mixed, Department.objects.all(), Capability.MANAGE_USERS)
    assert list(managed) == [dept("区科技局")]


def test_users_are_scoped_through_their_departments_without_duplicates(dept):
    member_twice = make_user("member_twice", member_of=dept("区经济信息委"))
    member_twice.memberships.create(department=dept("汉丰街道"))
    town_admin = make_user("district_admin", (Role.SYSTEM_ADMIN, Scope.SUBTREE, dept()))
    seen = list(visible_to(town_admin, User.objects.filter(username="member_twice")))
    assert seen == [member_twice]


def test_published_plan_is_visible_to_everyone_working_in_the_region(user):
    for username in ["jxw", "hanfeng", "qiye", "expert", "fuwu", "leader", "kjj"]:
        assert visible_to(user(username), Plan.objects.all()).count() == 1, username
        assert visible_to(user(username), Task.objects.all()).count() == Task.objects.count(), username


def test_plan_of_another_district_is_not_visible(dept, user):
    city = Department.objects.get(name="重庆市")
    other = Department.objects.add_child(city, instance=Department(name="万州区", kind="district"))
    Plan.objects.create(
        department=other,
        doc_number="万州府办发〔2021〕1号",
        title="万州方案",
        issuer="万州区政府",
        issued_on="2021-05-01",
        period_start=2021,
        period_end=2025,
        source_text="……",
    )
    assert visible_to(user("kjj"), Plan.objects.all()).count() == 1
    everywhere = User.objects.create(username="city_leader", display_name="市领导")
    RoleGrant.objects.create(user=everywhere, role="leader", scope="all")
    assert visible_to(everywhere, Plan.objects.all()).count() == 2


def test_anonymous_and_inactive_users_see_nothing(user):
    assert not visible_to(AnonymousUser(), Department.objects.all()).exists()
    inactive = user("kjj")
    inactive.is_active = False
    assert not visible_to(inactive, Department.objects.all()).exists()


def test_user_without_grants_sees_nothing(dept):
    nobody = make_user("nobody", member_of=dept("区科技局"))
    assert not visible_to(nobody, Department.objects.all()).exists()
    # not even their own account: a role grant is what opens the system
    assert not visible_to(nobody, User.objects.all()).exists()


def test_model_without_scope_rule_is_refused(user):
    from django.contrib.contenttypes.models import ContentType

    with pytest.raises(ImproperlyConfigured):
        visible_to(user("kjj"), ContentType.objects.all())


def test_get_visible_or_404_hides_out_of_scope_and_missing_alike(dept, user):
    other = dept("区科技局")
    with pytest.raises(Http404):
        get_visible_or_404(user("jxw"), Department.objects.all(), pk=other.pk)
    with pytest.raises(Http404):
        get_visible_or_404(user("jxw"), Department.objects.all(), pk=999999)
    with pytest.raises(Http404):
        get_visible_or_404(user("jxw"), Department.objects.all(), pk="not-a-number")
