"""申请兑现: applications under the articles that need one, from the window to the grant.

1. The bureau opens a window (申报批次) for an article and a year: dates, attachments asked for, who makes
   the 初审 (the enterprise's town or the article's lead department), the 公示's length (≥ 5 working days).
2. An enterprise applies while the window is open: the article's rule in force at the end of the data year
   is checked against its registry data — an enterprise that fails a condition is refused with the
   condition named — and gives the most it may ask for (`computed`). It fills in its statement, contact
   and receiving account, uploads the attachments and submits.
3. 受理 (the bureau) → 初审 (the checking unit; 退回补正 or 不予兑现 with the reason) → 联审 (the bureau records
   the departments' opinion and, where the article asks for experts, the score of the window's review
   round; the amount proposed never above the amount asked for).
4. The window's 公示 (working days, `core/workdays.py`) lists the proposed enterprises and amounts on the
   public page; objections are recorded and resolved (an upheld one about an application takes it off).
5. 审定: after the 公示 has run its time with no open objection, the decision's 文号 commits a grant per
   proposed application against the year's budget (refused beyond what it leaves); the account the
   enterprise gave is the grant's, confirmed by the enterprise when it submitted. Payment follows as for
   every grant (`grants.pay`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from kechuang.audit.recording import record_bulk
from kechuang.core.context import audit_context
from kechuang.core.workdays import add_workdays
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on
from kechuang.projects.applications import discard_attachment, store_attachment
from kechuang.projects.approval import settle_objection, store_objection
from kechuang.projects.models import ObjectionStatus
from kechuang.workflow import engine as workflow

from . import grants, rules
from .models import (
    ApplicationAttachment,
    ApplicationStatus,
    ApplicationWindow,
    Checker,
    Grant,
    GrantStatus,
    PolicyApplication,
    PolicyObjection,
    WindowStatus,
)

EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
PENDING = (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED, ApplicationStatus.CHECKED)
OTHER_ATTACHMENT = "其他"


def own(user, queryset):
    return queryset.filter(enterprise__users=user)


def checked_by(user, queryset):
    """Applications whose 初审 falls to a unit `user` works in (not merely one above it)."""
    from kechuang.org.models import RoleGrant

    units = RoleGrant.objects.filter(user=user).values("department")
    return queryset.filter(checker__in=units)


def checking_unit(window: ApplicationWindow, enterprise):
    return enterprise.town if window.checker == Checker.TOWN else window.instrument.lead_department


# --- the window -----------------------------------------------------------------------------------------


def edit_refusal(window: ApplicationWindow) -> str | None:
    """Why the window may no longer be changed (only an open one may), or None."""
    return None if window.status == WindowStatus.OPEN else "批次已截止受理，不能再修改。"


def save_window(acting_user, window: ApplicationWindow | None, **fields) -> ApplicationWindow:
    """Open (window None) or change a window; only an open window's dates and attachments change."""
    window = window or ApplicationWindow()
    for name, value in fields.items():
        setattr(window, name, value)
    if window.instrument_id is None:
        raise ValidationError({"instrument": "请选择政策条款。"})
    if not may_act_on(acting_user, window.instrument.document.department, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有管理该政策申报的权限。")
    if window.pk and (refusal := edit_refusal(window)):
        raise ActionRefused(refusal)
    window.full_clean()
    with audit_context(actor=acting_user, reason="保存申报批次"), transaction.atomic():
        window.save()
    return window


def rule_of(window: ApplicationWindow):
    rule = window.instrument.rule_on(date(window.data_year, 12, 31))
    if rule is None:
        raise ActionRefused(f"“{window.instrument.name}”在 {window.data_year} 年末没有适用的兑现规则。")
    return rule


def check_enterprise(window: ApplicationWindow, enterprise):
    """The rule's verdict on `enterprise` for the window's data year (an `Outcome`)."""
    rule = rule_of(window)
    [outcome] = rules.evaluate(rule.conditions, rule.amount, window.data_year, [enterprise.pk])
    return outcome


def _refuse_outcome(enterprise, outcome) -> None:
    missing = "；".join(m["text"] for m in outcome.missing)
    raise ActionRefused(f"“{enterprise.name}”不符合本条款的条件：{missing}。")


def _next_number(window: ApplicationWindow) -> str:
    prefix = f"ZC{window.budget_year}{window.pk:03d}"
    last = PolicyApplication.objects.filter(number__startswith=prefix).aggregate(n=Max("number"))["n"]
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def start(
    acting_user, window: ApplicationWindow, enterprise, *, day: date | None = None
) -> PolicyApplication:
    """An enterprise's draft in an open window, refused outside the window or when its registry data fail
    a condition (each named)."""
    day = day or timezone.localdate()
    if (
        not has_capability(acting_user, Capability.CLAIM_POLICIES)
        or not enterprise.users.filter(pk=acting_user.pk).exists()
    ):
        raise ActionRefused("只能为本人所属企业申请。")
    if not window.is_open_on(day):
        raise ActionRefused(
            f"“{window.title}”的申报期为 {window.opens_on:%Y-%m-%d} 至 {window.closes_on:%Y-%m-%d}"
            f"（{window.get_status_display()}），{day:%Y-%m-%d} 不在申报期内。"
        )
    existing = PolicyApplication.objects.filter(window=window, enterprise=enterprise).first()
    if existing is not None:
        raise ActionRefused(f"“{enterprise.name}”已在本批次申请（{existing.number}），请勿重复申请。")
    outcome = check_enterprise(window, enterprise)
    if not outcome.eligible:
        _refuse_outcome(enterprise, outcome)
    with audit_context(actor=acting_user, reason="开始填报政策兑现申请"), transaction.atomic():
        window = ApplicationWindow.objects.select_for_update().get(pk=window.pk)
        application = PolicyApplication(
            window=window,
            enterprise=enterprise,
            checker=checking_unit(window, enterprise),
            number=_next_number(window),
            computed=outcome.amount,
            reasons=outcome.reasons,
            requested=outcome.amount,
            statement="",
            contact_name="",
            contact_phone="",
            account_name=enterprise.name,
            bank_name="",
            account_number="",
            created_by=acting_user,
        )
        application.save()
    return application


def _applying(acting_user, application: PolicyApplication) -> None:
    if not application.enterprise.users.filter(pk=acting_user.pk).exists():
        raise ActionRefused("只能修改本人所属企业的申请。")
    if application.status not in EDITABLE:
        raise ActionRefused(f"申请已{application.get_status_display()}，不能再修改。")


FIELDS = (
    "requested",
    "statement",
    "contact_name",
    "contact_phone",
    "account_name",
    "bank_name",
    "account_number",
)


def save(acting_user, application: PolicyApplication, **values) -> PolicyApplication:
    """The applicant's draft (or returned application): its statement, contact, account and amount asked
    for — never above what the rule computes."""
    _applying(acting_user, application)
    for name in FIELDS:
        if name in values:
            value = values[name]
            setattr(application, name, value.strip() if isinstance(value, str) else value)
    requested = application.requested
    if requested is not None and requested > application.computed:
        raise ValidationError({"requested": f"申请金额不能超过按政策测算的 {application.computed:,.2f} 元。"})
    application.full_clean(validate_constraints=False)
    with audit_context(actor=acting_user, reason="保存政策兑现申请"), transaction.atomic():
        stored = PolicyApplication.objects.select_for_update().get(pk=application.pk)
        if stored.status not in EDITABLE:
            raise ActionRefused("申请已提交，不能再修改。")
        application.save(update_fields=list(FIELDS))
    return application


def add_attachment(acting_user, application: PolicyApplication, *, kind: str, upload):
    _applying(acting_user, application)
    kind = (kind or "").strip()
    required = application.window.attachment_list
    if not kind:
        raise ValidationError({"kind": "请选择附件类别。"})
    if kind not in required and kind != OTHER_ATTACHMENT:
        raise ValidationError(
            {"kind": f"附件类别“{kind}”不是本批次要求的附件，请从列表中选择（或选“其他”）。"}
        )

    def inside():
        if PolicyApplication.objects.select_for_update().get(pk=application.pk).status not in EDITABLE:
            raise ActionRefused("申请已提交，不能再修改附件。")
        if kind in required:
            for earlier in application.attachments.filter(kind=kind):
                discard_attachment(earlier)

    return store_attachment(
        acting_user,
        ApplicationAttachment(application=application, kind=kind),
        upload,
        what="附件",
        reason=f"上传附件：{kind}",
        inside=inside,
    )


def remove_attachment(acting_user, attachment: ApplicationAttachment) -> bool:
    _applying(acting_user, attachment.application)
    with audit_context(actor=acting_user, reason=f"删除附件：{attachment.kind}"), transaction.atomic():
        discard_attachment(attachment)
    return True


def missing_for_submission(application: PolicyApplication) -> list[str]:
    problems = []
    for name in ("statement", "contact_name", "contact_phone", "bank_name", "account_number"):
        if not getattr(application, name):
            problems.append(f"请填写{PolicyApplication._meta.get_field(name).verbose_name}")
    have = set(application.attachments.values_list("kind", flat=True))
    problems += [f"缺少附件“{kind}”" for kind in application.window.attachment_list if kind not in have]
    return problems


def submit_refusal(application: PolicyApplication, user) -> str | None:
    if user is not None and not application.enterprise.users.filter(pk=user.pk).exists():
        return "只能提交本人所属企业的申请。"
    window = application.window
    today = timezone.localdate()
    if not window.is_open_on(today) and application.status != ApplicationStatus.RETURNED:
        return f"申报期为 {window.opens_on:%Y-%m-%d} 至 {window.closes_on:%Y-%m-%d}，现已不能提交。"
    problems = missing_for_submission(application)
    if problems:
        return "尚不能提交：" + "；".join(problems) + "。"
    return None


def submit(acting_user, application: PolicyApplication) -> PolicyApplication:
    """Submitted (again, after 退回补正): the registry is checked once more — data changed meanwhile."""
    outcome = check_enterprise(application.window, application.enterprise)
    if not outcome.eligible:
        _refuse_outcome(application.enterprise, outcome)
    if application.requested > outcome.amount:
        raise ValidationError({"requested": f"申请金额不能超过按政策测算的 {outcome.amount:,.2f} 元。"})
    return workflow.perform(
        application,
        "submit",
        acting_user,
        changes={
            "submitted_on": timezone.localdate(),
            "computed": outcome.amount,
            "reasons": outcome.reasons,
        },
    )


# --- 初审 and 联审 -------------------------------------------------------------------------------------------


def check_refusal(application: PolicyApplication, user) -> str | None:
    """初审, 退回 and 不予兑现 before the 联审 fall to the checking unit; the bureau may always act."""
    if (
        user is None
        or has_capability(user, Capability.MANAGE_POLICIES)
        and may_act_on(user, application.window.instrument.document.department, Capability.MANAGE_POLICIES)
    ):
        return None
    if application.status in (ApplicationStatus.CHECKED, ApplicationStatus.PROPOSED):
        return "联审后的申请由科技局处理。"
    if application.status == ApplicationStatus.SUBMITTED:
        return "受理前的申请由科技局处理。"
    if not checked_by(user, PolicyApplication.objects.filter(pk=application.pk)).exists():
        return f"该申请由{application.checker.name}初审。"
    return None


def propose_refusal(application: PolicyApplication, user=None) -> str | None:
    if application.window.instrument.expert_review and not application.review_score:
        return "该条款须专家评审：评审结果汇总后方可联审。"
    return None


def propose(
    acting_user, application: PolicyApplication, *, amount: Decimal, opinion: str
) -> PolicyApplication:
    """联审通过: the departments' opinion and the amount proposed for the 公示 (at most the amount asked)."""
    opinion = (opinion or "").strip()
    errors = {}
    if not opinion:
        errors["opinion"] = "请填写联审意见。"
    if amount is None or amount <= 0:
        errors["amount"] = "拟兑现金额应大于 0。"
    elif amount > application.requested:
        errors["amount"] = f"拟兑现金额不能超过申请金额 {application.requested:,.2f} 元。"
    if errors:
        raise ValidationError(errors)
    if not ApplicationWindow.objects.filter(pk=application.window_id, status=WindowStatus.CLOSED).exists():
        raise ActionRefused("批次截止受理后方可联审。")
    return workflow.perform(
        application,
        "propose",
        acting_user,
        comment=opinion,
        changes={"proposed": amount, "joint_opinion": opinion},
    )


def send_to_review(acting_user, window: ApplicationWindow, *, deadline: date, experts_per_item: int = 3):
    """A 资金评审 round of the review app over the window's applications that passed 初审; their scores come
    back with `take_scores` once the round has its results."""
    from kechuang.reviews import actions as reviews
    from kechuang.reviews.models import RoundKind

    _keeping(acting_user, window)
    waiting = list(window.applications.filter(status=ApplicationStatus.CHECKED).select_related("enterprise"))
    if not waiting:
        raise ActionRefused("没有待联审的申请。")
    if window.discipline_id is None:
        raise ValidationError({"discipline": "请先为批次选择评审领域。"})
    with transaction.atomic():
        review_round = reviews.save_round(
            acting_user,
            None,
            criteria=REVIEW_CRITERIA,
            reason="组织政策兑现专家评审",
            title=f"{window.title}专家评审"[:200],
            kind=RoundKind.FUNDING,
            department=window.instrument.document.department,
            deadline=deadline,
            experts_per_item=experts_per_item,
        )
        for application in waiting:
            reviews.add_item(
                acting_user,
                review_round,
                title=f"{application.number} {application.enterprise.name}"[:200],
                discipline=window.discipline,
                organisations=[application.enterprise.name],
                target=application,
            )
    return review_round


REVIEW_CRITERIA = [
    ("符合政策导向", "0.3", "100"),
    ("投入与成效", "0.5", "100"),
    ("材料完整规范", "0.2", "100"),
]


def take_scores(acting_user, window: ApplicationWindow) -> int:
    """Copy each application's score from its latest review round with results (the score shown at 联审)."""
    from django.contrib.contenttypes.models import ContentType

    from kechuang.reviews import actions as reviews
    from kechuang.reviews.aggregate import round_half_up
    from kechuang.reviews.models import ReviewItem

    _keeping(acting_user, window)
    items = list(
        ReviewItem.objects.filter(
            content_type=ContentType.objects.get_for_model(PolicyApplication),
            object_id__in=window.applications.values("pk"),
        ).select_related("round")
    )
    scores = {}
    for round_ in {item.round for item in items}:
        result = {r.id: r for r in reviews.results(round_).items}
        for item in items:
            figure = result.get(item.pk) if item.round_id == round_.pk else None
            value = None if figure is None else figure.trimmed if figure.trimmed is not None else figure.mean
            if value is not None:
                scores[item.object_id] = str(round_half_up(value, 2))
    with audit_context(actor=acting_user, reason="取回专家评审得分"), transaction.atomic():
        for pk, score in scores.items():
            PolicyApplication.objects.filter(pk=pk, status=ApplicationStatus.CHECKED).update(
                review_score=score
            )
    return len(scores)


# --- 公示, objections, 审定 -----------------------------------------------------------------------------------


def keeping_refusal(window: ApplicationWindow, user=None) -> str | None:
    """Windows are announced to everyone; only the bureau of the policy's department handles one."""
    if user is not None and not may_act_on(
        user, window.instrument.document.department, Capability.MANAGE_POLICIES
    ):
        return "您没有管理该批次的权限。"
    return None


def publish_refusal(window: ApplicationWindow, user=None) -> str | None:
    if keeping_refusal(window, user):
        return keeping_refusal(window, user)
    pending = window.applications.filter(status__in=PENDING).count()
    if pending:
        return f"还有 {pending} 份申请未完成受理、初审或联审。"
    if not window.applications.filter(status=ApplicationStatus.PROPOSED).exists():
        return "没有拟兑现的申请。"
    return None


def publish(acting_user, window: ApplicationWindow, *, start: date | None = None, days: int | None = None):
    """发布公示 from `start` (today) for the window's working days (at least 5)."""
    start = start or timezone.localdate()
    days = window.publicity_days if days is None else days
    if days < 5:
        raise ValidationError({"days": "公示期不少于 5 个工作日。"})
    until = add_workdays(start, days)
    return workflow.perform(
        window,
        "publish",
        acting_user,
        changes={"publicity_from": start, "publicity_until": until, "publicity_days": days},
    )


def _keeping(acting_user, window: ApplicationWindow) -> None:
    if not may_act_on(acting_user, window.instrument.document.department, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有管理该批次公示的权限。")


def record_objection(
    acting_user, window, *, name: str, content: str, received_on=None, contact: str = "", application=None
) -> PolicyObjection:
    _keeping(acting_user, window)
    if window.status != WindowStatus.PUBLICITY:
        raise ActionRefused("只有公示中的名单可以登记异议。")
    if application is not None and application.window_id != window.pk:
        raise ValidationError({"application": "所涉申请不在本批次中。"})
    return store_objection(
        acting_user,
        PolicyObjection(window=window, application=application),
        (window.publicity_from, window.publicity_until),
        name=name,
        content=content,
        received_on=received_on,
        contact=contact,
        reason="登记公示异议",
    )


def resolve_objection(acting_user, objection: PolicyObjection, *, upheld: bool, resolution: str):
    """Resolved once; an upheld objection about an application takes it off the list (不予兑现)."""
    _keeping(acting_user, objection.window)
    with transaction.atomic():
        objection = settle_objection(
            acting_user, objection, upheld=upheld, resolution=resolution, reason="处理公示异议"
        )
        application = objection.application
        if upheld and application is not None and application.status == ApplicationStatus.PROPOSED:
            workflow.perform(application, "reject", acting_user, comment=f"公示异议成立：{resolution}")
    return objection


def decide_refusal(window: ApplicationWindow, user=None) -> str | None:
    if keeping_refusal(window, user):
        return keeping_refusal(window, user)
    today = timezone.localdate()
    if window.publicity_until and today <= window.publicity_until:
        return f"公示期至 {window.publicity_until:%Y-%m-%d}，期满后方可审定。"
    open_ = window.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_:
        return f"还有 {open_} 条公示异议未处理。"
    return None


def decide(
    acting_user, window: ApplicationWindow, *, decision_number: str, decided_on: date, comment: str = ""
):
    """审定: a grant per proposed application, against the year's budget; the enterprise's account (given
    and confirmed when it submitted) becomes the grant's — payable at once."""
    decision_number = (decision_number or "").strip()
    errors = {}
    if not decision_number:
        errors["decision_number"] = "请填写审定文号。"
    if decided_on is None:
        errors["decided_on"] = "请填写审定日期。"
    elif decided_on > timezone.localdate():
        errors["decided_on"] = "审定日期不能晚于今天。"
    elif window.publicity_until and decided_on <= window.publicity_until:
        errors["decided_on"] = f"审定日期应在公示期满（{window.publicity_until:%Y-%m-%d}）之后。"
    if errors:
        raise ValidationError(errors)
    with audit_context(actor=acting_user, reason=comment or "审定政策兑现名单"), transaction.atomic():
        window = ApplicationWindow.objects.select_for_update().get(pk=window.pk)
        proposed = list(
            window.applications.filter(status=ApplicationStatus.PROPOSED).select_related(
                "enterprise", "created_by"
            )
        )
        total = sum((a.proposed for a in proposed), Decimal(0))
        grants.require_budget(window.instrument, window.budget_year, total, "本批拟兑现")
        workflow.perform(
            window,
            "decide",
            acting_user,
            comment=comment,
            changes={"decision_number": decision_number, "decided_on": decided_on},
        )
        workflow.perform_many(proposed, "approve", None, comment=f"审定文号 {decision_number}")
        now = timezone.now()
        created = Grant.objects.bulk_create(
            [
                Grant(
                    instrument=window.instrument,
                    budget_year=window.budget_year,
                    enterprise=a.enterprise,
                    amount=a.proposed,
                    application=a,
                    decision_number=decision_number,
                    decided_on=decided_on,
                    reasons=a.reasons,
                    account_name=a.account_name,
                    bank_name=a.bank_name,
                    account_number=a.account_number,
                    account_confirmed_at=now,
                    account_confirmed_by=a.created_by,
                    status=GrantStatus.PAYABLE,
                )
                for a in proposed
            ]
        )
        record_bulk(created, "create")
    return window


def totals(window: ApplicationWindow) -> dict:
    rows = list(window.applications.values_list("status", "requested", "proposed"))
    proposed = [p for s, _, p in rows if s in (ApplicationStatus.PROPOSED, ApplicationStatus.APPROVED)]
    return {
        "count": len(rows),
        "submitted": sum(1 for s, _, _ in rows if s != ApplicationStatus.DRAFT),
        "proposed_count": len(proposed),
        "proposed": sum(proposed, Decimal(0)),
    }


def public_windows():
    """Windows whose 公示 is on (or decided), for the public page."""
    return ApplicationWindow.objects.filter(
        Q(status=WindowStatus.PUBLICITY) | Q(status=WindowStatus.DECIDED)
    ).select_related("instrument__document__department")
