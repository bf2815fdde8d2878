"""Every change to enterprises, their yearly data and qualifications."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.core.personal import personal_fields, seal
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on, visible_to
from kechuang.workflow import engine

from . import creditcode, plausibility, stages
from .models import Enterprise, EnterpriseYear, Qualification, StageRecord, Submission
from .rules import params_for


def _may(user, capability: str, enterprise: Enterprise) -> bool:
    return visible_to(user, Enterprise.objects.filter(pk=enterprise.pk), capability).exists()


def save_enterprise(
    acting_user,
    enterprise: Enterprise | None,
    *,
    reason: str = "",
    capability: str = Capability.CHANGE_ENTERPRISES,
    **fields,
) -> Enterprise:
    """Create (bureau) or update an enterprise profile: the bureau directly, a reviewer of the town by
    accepting an enterprise's submission (`capability`). The official record (`Enterprise.OFFICIAL_FIELDS`)
    stays the bureau's whoever else writes."""
    if enterprise is None:
        enterprise = Enterprise(**fields)
        if not _may_create(acting_user, enterprise):
            raise ActionRefused("您没有在该镇乡街道登记企业的权限。")
    else:
        if not _may(acting_user, capability, enterprise):
            raise ActionRefused("您没有修改该企业的权限。")
        if "credit_code" in fields and fields["credit_code"] != enterprise.credit_code:
            raise ValidationError(
                {"credit_code": "统一社会信用代码登记后不能修改；如确有错误，请注销后重新登记。"}
            )
        official = [
            name
            for name in Enterprise.OFFICIAL_FIELDS
            if name in fields and fields[name] != getattr(enterprise, name)
        ]
        if official and not _may(acting_user, Capability.CERTIFY_ENTERPRISES, enterprise):
            raise ValidationError({name: _official_refusal(name) for name in official})
        for name, value in fields.items():
            setattr(enterprise, name, value)
    enterprise.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        enterprise.save()
    return enterprise


def _official_refusal(name: str) -> str:
    label = Enterprise._meta.get_field(name).verbose_name
    return f"{label}是科技局登记的正式信息，只能由科技局修改；如需变更请联系所在镇街或科技局。"


def _may_create(user, enterprise: Enterprise) -> bool:

    town = enterprise.town if enterprise.town_id else None
    if town is None:
        return True  # full_clean will name the missing town
    return may_act_on(user, town, Capability.CERTIFY_ENTERPRISES)


def record_year(
    acting_user,
    enterprise: Enterprise,
    year: int,
    values: dict,
    *,
    reason: str = "",
    check=True,
    replace=False,
    capability: str = Capability.CHANGE_ENTERPRISES,
) -> tuple[EnterpriseYear, bool]:
    """Store an enterprise's figures for a year as a new version; the previous version is kept.

    `values` adds to the current figures, or with `replace` stands for the whole year (an imported row:
    an empty cell means "no figure"). Returns (current version, whether anything changed); unchanged
    figures write nothing. `check=False` is for callers that checked the scope for a whole batch;
    `capability` is the right the writer needs over the enterprise (a reviewer accepting a submission).
    """
    if check and not _may(acting_user, capability, enterprise):
        raise ActionRefused("您没有填报该企业数据的权限。")
    unknown = set(values) - set(EnterpriseYear.FIGURES)
    if unknown:
        raise ValidationError(f"未知的年度数据项：{', '.join(sorted(unknown))}")
    current = EnterpriseYear.objects.filter(
        enterprise=enterprise, year=year, superseded_at__isnull=True
    ).first()
    merged = {**({} if replace or current is None else current.figures()), **values}
    merged = {name: merged.get(name) for name in EnterpriseYear.FIGURES}
    candidate = EnterpriseYear(
        enterprise=enterprise,
        year=year,
        version=(current.version + 1) if current else 1,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
        **merged,
    )
    candidate.full_clean(exclude=["enterprise"], validate_constraints=False)
    if current is not None and figures_equal(current, merged):
        return current, False
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        if current is not None:
            current.superseded_at = timezone.now()
            current.save(update_fields=["superseded_at"])
        candidate.save()
        refresh_stage(enterprise)
    return candidate, True


FIRST_YEAR = 1990


def save_year(
    acting_user, version: EnterpriseYear | None, *, reason: str = "", enterprise=None, year=None, **figures
) -> EnterpriseYear:
    """The registry's save: correct a year (`version`, the current one; the figures replace it as a new
    version) or record a year the enterprise has no figures for yet (`enterprise`, `year`). Returns the
    current version, the stored one when nothing changed."""
    if version is not None:
        enterprise, year = version.enterprise, version.year
    else:
        last = timezone.localdate().year
        if year is None or not FIRST_YEAR <= year <= last:
            raise ValidationError({"year": f"年度须在 {FIRST_YEAR}—{last} 年之间。"})
        if enterprise is not None and enterprise.years.filter(year=year).exists():
            raise ValidationError(
                {"year": f"该企业 {year} 年已有数据，请在该年度数据页面上“更正”（将保存为新版本）。"}
            )
        if enterprise is None:
            raise ValidationError({"enterprise": "请填写企业的统一社会信用代码。"})
    if all(figures.get(name) in (None, "") for name in EnterpriseYear.FIGURES):
        raise ValidationError("请至少填写一项年度数据；清空全部数据不是更正。")
    saved, _ = record_year(acting_user, enterprise, year, figures, reason=reason, replace=True)
    return saved


def save_qualification(
    acting_user, qualification: Qualification | None, *, reason: str = "", enterprise=None, **fields
) -> Qualification:
    """The registry's save: register a qualification of `enterprise`, or change one (its kind and its
    enterprise stay). Revoking it needs a reason, as `revoke_qualification` does."""
    target = enterprise if qualification is None else qualification.enterprise
    if target is None:
        raise ValidationError({"enterprise": "请填写企业的统一社会信用代码。"})
    if not _may(acting_user, Capability.CERTIFY_ENTERPRISES, target):
        raise ActionRefused("只有科技局管理员可以登记或修改企业资质。")
    if qualification is None:
        return add_qualification(acting_user, target, reason=reason, **fields)
    fields.pop("kind", None)
    revoking = fields.get("status") == "revoked" and qualification.status != "revoked"
    if revoking and not reason.strip():
        raise ValidationError({"reason": "撤销资质须填写原因。"})
    changed = {k: v for k, v in fields.items() if getattr(qualification, k) != v}
    if not changed:
        return qualification
    for name, value in changed.items():
        setattr(qualification, name, value)
    qualification.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        qualification.save()
    return qualification


def figures_equal(version: EnterpriseYear, figures: dict) -> bool:
    """Do `figures` (all of them; missing = empty) say the same as the stored version?"""
    return all(_same(getattr(version, name), figures.get(name)) for name in EnterpriseYear.FIGURES)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(str(a)) == Decimal(str(b))


def add_qualification(
    acting_user,
    enterprise: Enterprise,
    *,
    kind,
    issued_on: date,
    number: str = "",
    expires_on: date | None = None,
    note: str = "",
    reason: str = "",
) -> Qualification:
    if not _may(acting_user, Capability.CERTIFY_ENTERPRISES, enterprise):
        raise ActionRefused("只有科技局管理员可以登记企业资质。")
    qualification = Qualification(
        enterprise=enterprise, kind=kind, issued_on=issued_on, number=number, expires_on=expires_on, note=note
    )
    qualification.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        qualification.save()
    return qualification


def revoke_qualification(acting_user, qualification: Qualification, *, revoked_on: date, reason: str) -> None:
    if not _may(acting_user, Capability.CERTIFY_ENTERPRISES, qualification.enterprise):
        raise ActionRefused("只有科技局管理员可以撤销企业资质。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因。"})
    qualification.status, qualification.revoked_on = "revoked", revoked_on
    qualification.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        qualification.save()


def refresh_stage(enterprise: Enterprise, as_of: date | None = None) -> bool:
    """Recompute one enterprise's growth stage from its latest yearly data; keep history on change."""
    return bool(refresh_stages([enterprise], as_of))


def refresh_stages(enterprises, as_of: date | None = None) -> list[Enterprise]:
    """Recompute the growth stage of many enterprises in a fixed number of queries; audited in bulk.

    Returns the enterprises whose stage or its reason changed."""
    from django.db import connection

    from kechuang.audit.recording import record_bulk, record_bulk_rows
    from kechuang.audit.snapshots import snapshot, snapshot_values
    from kechuang.core.bulkwrite import insert

    enterprises = list(enterprises)
    as_of = as_of or timezone.localdate()
    params = params_for("stage", as_of)
    latest: dict[int, tuple[int, Decimal]] = {}
    for enterprise_id, year, sales in (
        EnterpriseYear.objects.filter(
            enterprise__in=enterprises, superseded_at__isnull=True, sales_revenue__isnull=False
        )
        .order_by("enterprise_id", "-year")
        .values_list("enterprise_id", "year", "sales_revenue")
    ):
        latest.setdefault(enterprise_id, (year, sales))
    changed, befores, records = [], [], []
    for enterprise in enterprises:
        year, sales = latest.get(enterprise.pk, (None, None))
        stage, why = stages.classify(enterprise.registered_on, year, sales, as_of, params)
        if stage == enterprise.stage and why == enterprise.stage_reason:
            continue
        befores.append(snapshot(enterprise))
        if stage != enterprise.stage:
            records.append(StageRecord(enterprise=enterprise, stage=stage, data_year=year, reason=why))
        enterprise.stage, enterprise.stage_reason = stage, why
        changed.append(enterprise)
    if changed:
        # one prepared UPDATE per row through executemany: far cheaper than bulk_update's CASE WHEN
        table = connection.ops.quote_name(Enterprise._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET stage = %s, stage_reason = %s WHERE id = %s",
                [(e.stage, e.stage_reason, e.pk) for e in changed],
            )
        record_bulk(changed, "update", befores, [snapshot(e) for e in changed])
        now = timezone.now()
        rows = [
            {
                "enterprise_id": r.enterprise.pk,
                "stage": r.stage,
                "data_year": r.data_year,
                "reason": r.reason,
                "decided_at": now,
            }
            for r in records
        ]
        ids = insert(StageRecord, rows)
        for pk, record, row in zip(ids, records, rows, strict=True):
            record.pk, record.decided_at = pk, now
            row["id"] = pk
        record_bulk_rows(
            StageRecord,
            [(r.pk, str(r), r.enterprise.town.path) for r in records],
            "create",
            None,
            [snapshot_values(StageRecord, row) for row in rows],
        )
    return changed


# --- enterprises' own submissions ------------------------------------------------------------------------


def _stored(kind: str, values: dict, previous: Submission | None = None) -> dict:
    """Proposed values as JSON (amounts as exact decimal strings, personal values sealed — an unchanged one
    keeps the ciphertext it had, so a draft saved again unchanged changes nothing)."""
    personal = personal_fields(Enterprise) if kind == Submission.Kind.PROFILE else {}
    before = previous.proposed() if previous is not None and previous.pk else {}
    stored = {}
    for name, value in values.items():
        if name in personal:
            value = before[name] if before.get(name) == value else value
            stored[name] = seal(value)
        else:
            stored[name] = str(value) if isinstance(value, Decimal) else value
    return stored


def _check_proposal(enterprise: Enterprise, kind: str, year: int | None, values: dict) -> None:
    if kind == Submission.Kind.PROFILE:
        official = [name for name in values if name in Enterprise.OFFICIAL_FIELDS]
        if official:
            raise ValidationError({name: _official_refusal(name) for name in official})
        unknown = set(values) - set(Enterprise.SELF_SERVICE_FIELDS)
        if unknown:
            raise ValidationError(f"未知的企业信息项：{', '.join(sorted(unknown))}")
        candidate = Enterprise.objects.get(pk=enterprise.pk)
        for name, value in values.items():
            setattr(candidate, name, value)
        candidate.full_clean(exclude=["users"], validate_unique=False)
        return
    if not year or not 1990 <= year <= timezone.localdate().year:
        raise ValidationError({"year": f"年度 {year} 不可填报。"})
    unknown = set(values) - set(EnterpriseYear.FIGURES)
    if unknown:
        raise ValidationError(f"未知的年度数据项：{', '.join(sorted(unknown))}")
    EnterpriseYear(enterprise=enterprise, year=year, **values).full_clean(
        exclude=["enterprise"], validate_constraints=False
    )


def open_submission(enterprise: Enterprise, kind: str, year: int | None = None) -> Submission | None:
    """The enterprise's unfinished submission of this kind (and year): a draft, returned or under review."""
    return (
        Submission.objects.filter(enterprise=enterprise, kind=kind, year=year, status__in=Submission.OPEN)
        .order_by("-pk")
        .first()
    )


def save_proposal(
    acting_user, enterprise: Enterprise, kind: str, year: int | None, values: dict
) -> Submission:
    """Keep what an enterprise proposes for its own record as a draft (or revise its draft or returned
    submission); nothing is written to the ledger. Flags implausible jumps at once, for the page."""
    if not _may(acting_user, Capability.SUBMIT_ENTERPRISE_DATA, enterprise):
        raise ActionRefused("您没有为该企业填报的权限。")
    year = year if kind == Submission.Kind.YEAR else None
    _check_proposal(enterprise, kind, year, values)
    with audit_context(actor=acting_user, reason="企业填报（草稿）"), transaction.atomic():
        submission = open_submission(enterprise, kind, year)
        if submission is not None and submission.status == Submission.Status.SUBMITTED:
            raise ActionRefused(f"“{submission.title}”已提交，正在审核；审核结束前不能修改。")
        if submission is None:
            submission = Submission(enterprise=enterprise, kind=kind, year=year, created_by=acting_user)
        submission.values = _stored(kind, values, submission)
        submission.flags = plausibility.jumps(enterprise, year, values) if year else []
        submission.explanations = {
            k: v for k, v in submission.explanations.items() if k in {f["field"] for f in submission.flags}
        }
        submission.full_clean()
        submission.save()
    return submission


def current_flags(submission: Submission) -> list[dict]:
    """The submission's figures compared afresh with the previous accepted year."""
    if submission.kind != Submission.Kind.YEAR:
        return []
    return plausibility.jumps(submission.enterprise, submission.year, submission.proposed())


def submit_proposal(
    acting_user, submission: Submission, explanations: dict, *, comment: str = ""
) -> Submission:
    """Send a draft (or a revised returned submission) to review. Each flagged figure — compared afresh
    with the previous accepted year — needs the enterprise's explanation (`explanations[field]`)."""
    refusal = engine.refusal(submission, Submission.workflow.transition("submit"), acting_user)
    if refusal:
        raise ActionRefused(refusal)
    flags = current_flags(submission)
    given = {f["field"]: (explanations.get(f["field"]) or "").strip() for f in flags}
    missing = {
        f"explain_{f['field']}": f"{f['message']}：请说明原因。" for f in flags if not given[f["field"]]
    }
    if missing:
        raise ValidationError(missing)
    return engine.perform(
        submission,
        "submit",
        acting_user,
        comment=comment,
        changes={"flags": flags, "explanations": given, "submitted_at": timezone.now()},
    )


def apply_submission(acting_user, submission: Submission) -> None:
    """Write an accepted submission into the ledger through the ledger's own actions (run by the
    `accept` transition, inside its transaction: a refusal here leaves the submission under review)."""
    reason = f"采纳企业填报：{submission}"
    capability = Capability.REVIEW_ENTERPRISE_DATA
    if submission.kind == Submission.Kind.YEAR:
        figures = {name: None for name in EnterpriseYear.FIGURES} | submission.proposed()
        version, _ = record_year(
            acting_user, submission.enterprise, submission.year, figures, reason=reason, capability=capability
        )
        submission.ledger_version = version
        with audit_context(actor=acting_user, reason=reason):
            submission.save(update_fields=["ledger_version"])
    else:
        save_enterprise(
            acting_user,
            Enterprise.objects.get(pk=submission.enterprise_id),
            reason=reason,
            capability=capability,
            **submission.proposed(),
        )


def write_accepted_submission(submission: Submission, event) -> None:
    """The `accept` transition's step inside its transaction: the accepting user writes the ledger."""
    apply_submission(event.actor, submission)


def notify_submission(submission: Submission, event) -> None:
    """Tell the enterprise's users that their submission was accepted or returned (after commit)."""
    from kechuang.workflow.models import Notification
    from kechuang.workflow.notify import notify

    if event.to_state == Submission.Status.ACCEPTED:
        title = f"您单位提交的“{submission.title}”已采纳，已记入企业台账"
    else:
        title = f"您单位提交的“{submission.title}”被退回：{event.comment}"
    notify(
        submission.enterprise.users.filter(is_active=True),
        Notification.Kind.SUBMISSION,
        f"submission:{submission.pk}:{event.pk}",
        title,
        submission.get_absolute_url(),
        subject="【科创】",
    )


# --- which enterprise an enterprise account acts for ------------------------------------------------------


def linkable_enterprise(acting_user, credit_code: str) -> Enterprise:
    """The enterprise with this credit code, if it is within what `acting_user` manages."""
    code = creditcode.normalise(credit_code or "")
    found = visible_to(
        acting_user, Enterprise.objects.filter(credit_code=code), Capability.MANAGE_USERS
    ).first()
    if found is None:
        raise ValidationError(
            {"enterprise_code": f"统一社会信用代码“{code}”：未找到该企业，或该企业不在您的管理范围内。"}
        )
    return found


def link_account(acting_user, account, credit_code: str, *, reason: str = ""):
    """Make `account` (an enterprise user) act for the enterprise with `credit_code`; a blank code unlinks
    it. Both the account and the enterprises it leaves or joins must be within the admin's scope.
    Returns the account."""
    from kechuang.org.models import RoleGrant
    from kechuang.org.roles import Role
    from kechuang.org.scope import has_capability, manage_refusal

    if not has_capability(acting_user, Capability.MANAGE_USERS):
        raise ActionRefused("您没有管理用户的权限。")
    if not may_act_on(acting_user, account, Capability.MANAGE_USERS):
        raise ActionRefused("该账号不在您的管理范围内。")
    refusal = manage_refusal(acting_user, account)
    if refusal:
        raise ActionRefused(refusal)
    target = linkable_enterprise(acting_user, credit_code) if (credit_code or "").strip() else None
    if target is not None:
        other = RoleGrant.objects.filter(user=account).exclude(role=Role.ENTERPRISE).first()
        if other is not None:
            raise ValidationError(
                {
                    "enterprise_code": f"只有企业用户账号可以关联企业；该账号持有“{other.get_role_display()}”角色。"
                }
            )
    current = list(account.enterprises.all())
    leaving = [e for e in current if target is None or e.pk != target.pk]
    managed = set(
        visible_to(
            acting_user, Enterprise.objects.filter(pk__in=[e.pk for e in leaving]), Capability.MANAGE_USERS
        ).values_list("pk", flat=True)
    )
    outside = [e.name for e in leaving if e.pk not in managed]
    if outside:
        raise ActionRefused(f"该账号已关联的企业“{'、'.join(outside)}”不在您的管理范围内，不能解除关联。")
    with audit_context(actor=acting_user, reason=reason or "关联企业"), transaction.atomic():
        for enterprise in leaving:
            enterprise.users.remove(account)
        if target is not None and all(e.pk != target.pk for e in current):
            target.users.add(account)
    return account
