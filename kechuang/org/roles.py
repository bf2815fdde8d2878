"""Roles, data scopes and what each role may do.

A user holds one or more role grants; each grant pairs a role with a data scope anchored at a
department. What a user sees is the union of their grants; what they may change is the union of the
grants that carry the needed capability.

三员分立 (等保 2.0 level 3, separation of duties): the three administrator duties are three roles, and no
account holds two of them (`ADMIN_DUTIES`, refused by `grant_role`):
- 系统管理员 — accounts, departments, role grants and the holiday calendar; no business data, no audit;
- 安全管理员 — lockouts and security alerts (a failed audit verification, password spraying);
- 审计管理员 — reads the change and login logs and verifies their chains; changes nothing.
The bureau's own role (科技局管理员) runs the programmes' business and holds none of the three.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    BUREAU_ADMIN = "bureau_admin", _("科技局管理员")
    REPORTER = "reporter", _("责任单位填报员")
    LEADER = "leader", _("领导")
    ENTERPRISE = "enterprise", _("企业用户")
    EXPERT = "expert", _("评审专家")
    SERVICE_ORG = "service_org", _("服务机构")


class Scope(models.TextChoices):
    ALL = "all", _("全部数据")
    SUBTREE = "subtree", _("本单位及下级")
    DEPARTMENT = "department", _("本单位")
    SELF = "self", _("仅本人")


# Wider scopes cover narrower ones; used to refuse grants wider than the grantor's own.
SCOPE_WIDTH = {Scope.SELF: 0, Scope.DEPARTMENT: 1, Scope.SUBTREE: 2, Scope.ALL: 3}

DEFAULT_SCOPE = {
    Role.SYSTEM_ADMIN: Scope.SUBTREE,
    Role.SECURITY_ADMIN: Scope.SUBTREE,
    Role.AUDIT_ADMIN: Scope.SUBTREE,
    Role.BUREAU_ADMIN: Scope.SUBTREE,
    Role.REPORTER: Scope.DEPARTMENT,
    Role.LEADER: Scope.SUBTREE,
    Role.ENTERPRISE: Scope.SELF,
    Role.EXPERT: Scope.SELF,
    Role.SERVICE_ORG: Scope.SELF,
}


class Capability:
    """Named permissions. Views and actions ask for a capability, never for a role."""

    VIEW_PLAN = "plans.view"
    CHANGE_PLAN = "plans.change"
    VIEW_DEPARTMENTS = "org.view_departments"
    MANAGE_DEPARTMENTS = "org.manage_departments"
    MANAGE_USERS = "org.manage_users"
    VIEW_AUDIT = "audit.view"  # read the change and login logs, verify their chains
    MANAGE_SECURITY = "security.manage"  # lockouts, security alerts (a failed audit verification, spraying)
    MANAGE_CALENDAR = "system.calendar"  # the holiday calendar the working days are counted by
    VIEW_ENTERPRISES = "enterprises.view"
    CHANGE_ENTERPRISES = "enterprises.change"  # write profiles and yearly data into the ledger: bureau only
    SUBMIT_ENTERPRISE_DATA = "enterprises.submit"  # an enterprise proposes changes to its own record
    REVIEW_ENTERPRISE_DATA = "enterprises.review"  # accept or return enterprises' submissions (town, bureau)
    CERTIFY_ENTERPRISES = "enterprises.certify"  # qualifications: official recognitions, bureau only
    # the plan's progress as the government follows it — cockpit, drill-down to the records, reporting
    # rounds, units' reports and self-judgements: internal roles only
    VIEW_PROGRESS = "progress.view"
    REPORT_PROGRESS = "progress.report"  # fill in the own unit's reports
    REVIEW_PROGRESS = "progress.review"  # open rounds, approve or return reports
    # personal data (phone numbers, e-mail, ID numbers …) in full rather than masked, on a record's page
    # after an explicit 显示完整信息 (recorded), on its edit form and in an export asked for in full: the
    # bureau's managers, over the enterprises and people in their scope. Everyone sees their own data in
    # full (org/personal.py); system administrators manage accounts without reading them (三员分立).
    VIEW_PERSONAL_DATA = "personal.view"
    VIEW_PLATFORMS = "platforms.view"
    CHANGE_PLATFORMS = "platforms.change"  # recognitions of R&D and service institutions: bureau only
    VIEW_PROJECTS = "projects.view"
    CHANGE_PROJECTS = (
        "projects.change"  # S&T projects: 形式审查, approval, funding, acceptance, calls: bureau only
    )
    # apply online to a published call: an enterprise for itself; the bureau for a hospital, a school …
    APPLY_PROJECTS = "projects.apply"
    # the expert pool: the bureau keeps it; an expert sees (and later updates) their own record only
    VIEW_EXPERTS = "experts.view"
    CHANGE_EXPERTS = "experts.change"
    # review rounds: the bureau organises them (criteria, items, assignment, closing, results); experts
    # score what they are assigned (their own sheets, through the assignment's owner)
    VIEW_REVIEWS = "reviews.view"
    MANAGE_REVIEWS = "reviews.manage"
    SCORE_REVIEWS = "reviews.score"
    # 揭榜挂帅: everyone working with the lists reads the published ones (drafts: their owner and the
    # bureau); an enterprise posts its technical needs; the bureau refines, publishes, selects and signs;
    # service institutions, universities, institutes and enterprises bid
    VIEW_CHALLENGES = "challenges.view"
    POST_CHALLENGES = "challenges.post"
    MANAGE_CHALLENGES = "challenges.manage"
    BID_CHALLENGES = "challenges.bid"
    # 政策扶持: the policies and what was granted under them are read by the bureau, towns, leaders and
    # enterprises (their own); the bureau keeps instruments, budgets, 免申即享 lists and payments; an
    # enterprise confirms its account and applies
    VIEW_POLICIES = "policies.view"
    MANAGE_POLICIES = "policies.manage"
    CLAIM_POLICIES = "policies.claim"
    # 初审 of applications: the enterprise's town or the article's lead department (within its scope)
    CHECK_POLICIES = "policies.check"
    # 科技金融 (知识价值信用贷款, 风险补偿, 种子基金): the bureau keeps the records and decides the claims;
    # towns and leaders read them, an enterprise its own loans and investments
    VIEW_FINANCE = "finance.view"
    CHANGE_FINANCE = "finance.change"
    # 科技创新券: the bureau keeps the types and the service institutions, issues, verifies, settles and
    # voids; an enterprise claims its own; a registered service institution redeems what it served
    VIEW_VOUCHERS = "vouchers.view"
    MANAGE_VOUCHERS = "vouchers.manage"
    CLAIM_VOUCHERS = "vouchers.claim"
    REDEEM_VOUCHERS = "vouchers.redeem"


CAPABILITIES: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {
            Capability.VIEW_PLAN,
            Capability.VIEW_DEPARTMENTS,
            Capability.MANAGE_DEPARTMENTS,
            Capability.MANAGE_USERS,
            Capability.MANAGE_CALENDAR,
        }
    ),
    Role.SECURITY_ADMIN: frozenset({Capability.VIEW_PLAN, Capability.MANAGE_SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Capability.VIEW_PLAN, Capability.VIEW_DEPARTMENTS, Capability.VIEW_AUDIT}),
    Role.BUREAU_ADMIN: frozenset(
        {
            Capability.VIEW_PLAN,
            Capability.VIEW_PROGRESS,
            Capability.CHANGE_PLAN,
            Capability.VIEW_DEPARTMENTS,
            Capability.VIEW_ENTERPRISES,
            Capability.CHANGE_ENTERPRISES,
            Capability.CERTIFY_ENTERPRISES,
            Capability.REVIEW_ENTERPRISE_DATA,
            Capability.VIEW_PLATFORMS,
            Capability.VIEW_PROJECTS,
            Capability.CHANGE_PLATFORMS,
            Capability.CHANGE_PROJECTS,
            Capability.APPLY_PROJECTS,
            Capability.REVIEW_PROGRESS,
            Capability.VIEW_PERSONAL_DATA,
            Capability.VIEW_EXPERTS,
            Capability.CHANGE_EXPERTS,
            Capability.VIEW_REVIEWS,
            Capability.MANAGE_REVIEWS,
            Capability.VIEW_CHALLENGES,
            Capability.MANAGE_CHALLENGES,
            Capability.VIEW_POLICIES,
            Capability.MANAGE_POLICIES,
            Capability.CHECK_POLICIES,
            Capability.VIEW_FINANCE,
            Capability.CHANGE_FINANCE,
            Capability.VIEW_VOUCHERS,
            Capability.MANAGE_VOUCHERS,
        }
    ),
    Role.REPORTER: frozenset(
        {
            Capability.VIEW_PLAN,
            Capability.VIEW_PROGRESS,
            Capability.VIEW_DEPARTMENTS,
            Capability.VIEW_ENTERPRISES,
            Capability.REVIEW_ENTERPRISE_DATA,  # a town's reporter reviews its enterprises' submissions
            Capability.VIEW_PLATFORMS,
            Capability.VIEW_PROJECTS,
            Capability.REPORT_PROGRESS,
            Capability.VIEW_POLICIES,
            Capability.CHECK_POLICIES,  # 初审 of policy applications: its town's, or its articles'
            Capability.VIEW_FINANCE,
            Capability.VIEW_VOUCHERS,
        }
    ),
    Role.LEADER: frozenset(
        {
            Capability.VIEW_PLAN,
            Capability.VIEW_PROGRESS,
            Capability.VIEW_DEPARTMENTS,
            Capability.VIEW_ENTERPRISES,
            Capability.VIEW_PLATFORMS,
            Capability.VIEW_PROJECTS,
            Capability.VIEW_CHALLENGES,
            Capability.VIEW_POLICIES,
            Capability.VIEW_FINANCE,
            Capability.VIEW_VOUCHERS,
        }
    ),
    Role.ENTERPRISE: frozenset(
        {
            Capability.VIEW_PLAN,
            Capability.VIEW_ENTERPRISES,
            Capability.SUBMIT_ENTERPRISE_DATA,
            Capability.VIEW_PLATFORMS,
            Capability.VIEW_PROJECTS,
            Capability.APPLY_PROJECTS,
            Capability.VIEW_CHALLENGES,
            Capability.POST_CHALLENGES,
            Capability.BID_CHALLENGES,
            Capability.VIEW_POLICIES,
            Capability.CLAIM_POLICIES,
            Capability.VIEW_FINANCE,
            Capability.VIEW_VOUCHERS,
            Capability.CLAIM_VOUCHERS,
        }
    ),
    Role.EXPERT: frozenset({Capability.VIEW_PLAN, Capability.VIEW_EXPERTS, Capability.SCORE_REVIEWS}),
    Role.SERVICE_ORG: frozenset(
        {
            Capability.VIEW_PLAN,
            Capability.VIEW_CHALLENGES,
            Capability.BID_CHALLENGES,
            Capability.VIEW_VOUCHERS,
            Capability.REDEEM_VOUCHERS,
        }
    ),
}

# Which roles a holder of a user-managing role may hand out (within their own scope).
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(Role.values),
}

# The three administrator duties: an account holds at most one of them.
ADMIN_DUTIES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
