"""Reference data (department tree, the Kaizhou plan) and one demo account per role.

Both loaders are idempotent: running them again leaves the database as it was.
"""

from importlib import import_module

from django.apps import apps
from django.db import transaction

from kechuang.org.loading import find_department, load_department_tree
from kechuang.org.models import Membership, RoleGrant, User
from kechuang.org.roles import Role, Scope
from kechuang.plans.loading import load_plan

DEMO_PASSWORD = "Kechuang@2021"
DISTRICT = ["重庆市", "开州区"]

# username, 姓名, role, scope, scope department (under the district; None = the district itself),
# member of (under the district; None = no department)
DEMO_USERS = [
    # 三员分立: accounts, security and the audit are three people's duties, none of them the bureau's
    ("sysadmin", "信息中心管理员", Role.SYSTEM_ADMIN, Scope.SUBTREE, None, "区科技局"),
    ("anquan", "安全管理员", Role.SECURITY_ADMIN, Scope.SUBTREE, None, "区科技局"),
    ("shenji", "审计管理员", Role.AUDIT_ADMIN, Scope.SUBTREE, None, "区科技局"),
    ("kjj", "科技局管理员", Role.BUREAU_ADMIN, Scope.SUBTREE, None, "区科技局"),
    # the bureau leads most tasks: its own report is compiled by its own reporter and reviewed by kjj
    ("kjjtb", "科技局填报员", Role.REPORTER, Scope.DEPARTMENT, "区科技局", "区科技局"),
    ("jxw", "经信委填报员", Role.REPORTER, Scope.DEPARTMENT, "区经济信息委", "区经济信息委"),
    ("tjj", "统计局填报员", Role.REPORTER, Scope.DEPARTMENT, "区统计局", "区统计局"),
    ("hanfeng", "汉丰街道填报员", Role.REPORTER, Scope.DEPARTMENT, "汉丰街道", "汉丰街道"),
    ("leader", "区领导", Role.LEADER, Scope.SUBTREE, None, "区政府办公室"),
    ("qiye", "企业联系人", Role.ENTERPRISE, Scope.SELF, None, None),
    ("expert", "评审专家", Role.EXPERT, Scope.SELF, None, None),
    ("fuwu", "服务机构联系人", Role.SERVICE_ORG, Scope.SELF, None, None),
]


@transaction.atomic
def load_reference_data():
    from kechuang.enterprises.rules import load_qualification_kinds, load_rule_sets

    load_department_tree()
    load_rule_sets()
    load_qualification_kinds()
    return load_plan()


@transaction.atomic
def load_demo_data() -> None:
    """Everything `make demo` shows: reference data, demo accounts and the synthetic registries."""
    plan = load_reference_data()
    users = {u.username: u for u in load_demo_users()}
    # every app with demo data declares `demo_order` and a `load_demo(plan)` in its demo.py
    for config in sorted(
        (c for c in apps.get_app_configs() if hasattr(c, "demo_order")), key=lambda c: c.demo_order
    ):
        import_module(f"{config.name}.demo").load_demo(plan)
        # as soon as the enterprises exist: the later apps' demos act for it (its applications)
        link_demo_enterprise_account(users["qiye"])


def link_demo_enterprise_account(account: User) -> None:
    """The demo enterprise account speaks for one real-looking enterprise in 汉丰街道."""
    from kechuang.enterprises.models import Enterprise

    if account.enterprises.exists():
        return
    own = (
        Enterprise.objects.filter(town__name="汉丰街道", qualifications__kind__code="hte")
        .order_by("pk")
        .first()
    )
    if own is not None:
        own.users.add(account)


@transaction.atomic
def load_demo_users() -> list[User]:
    users = []
    for number, (username, name, role, scope, anchor_name, member_of) in enumerate(DEMO_USERS, start=1):
        user = User.objects.filter(username=username).first() or User(username=username)
        phone = f"1380235{number:04d}"  # made up; personal data, encrypted and shown masked
        if (
            user.display_name != name
            or user.phone != phone
            or not user.check_password(DEMO_PASSWORD)
            or not user.is_active
        ):
            user.display_name = name
            user.phone = phone
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
        anchor = (
            None if scope == Scope.ALL else find_department(DISTRICT + ([anchor_name] if anchor_name else []))
        )
        RoleGrant.objects.get_or_create(user=user, role=role, scope=scope, department=anchor)
        if member_of:
            Membership.objects.get_or_create(
                user=user, department=find_department([*DISTRICT, member_of]), defaults={"is_primary": True}
            )
        users.append(user)
    return users
