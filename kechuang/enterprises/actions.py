"""Every change to enterprises, their yearly data and qualifications."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.audit.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to

from . import stages
from .models import Enterprise, EnterpriseYear, Qualification, StageRecord
from .rules import params_for


def _may(user, capability: str, enterprise: Enterprise) -> bool:
    return visible_to(user, Enterprise.objects.filter(pk=enterprise.pk), capability).exists()


def save_enterprise(acting_user, enterprise: Enterprise | None, *, reason: str = "", **fields) -> Enterprise:
    """Create (bureau) or update (bureau or the enterprise's own users) an enterprise profile."""
    if enterprise is None:
        enterprise = Enterprise(**fields)
        if not _may_create(acting_user, enterprise):
            raise ActionRefused("您没有在该镇乡街道登记企业的权限。")
    else:
        if not _may(acting_user, Capability.CHANGE_ENTERPRISES, enterprise):
            raise ActionRefused("您没有修改该企业的权限。")
        if "credit_code" in fields and fields["credit_code"] != enterprise.credit_code:
            raise ValidationError(
                {"credit_code": "统一社会信用代码登记后不能修改；如确有错误，请注销后重新登记。"}
            )
        for name, value in fields.items():
            setattr(enterprise, name, value)
    enterprise.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        enterprise.save()
    return enterprise


def _may_create(user, enterprise: Enterprise) -> bool:
    from kechuang.org.models import Department

    town = enterprise.town if enterprise.town_id else None
    if town is None:
        return True  # full_clean will name the missing town
    return visible_to(user, Department.objects.filter(pk=town.pk), Capability.CERTIFY_ENTERPRISES).exists()


def record_year(
    acting_user,
    enterprise: Enterprise,
    year: int,
    values: dict,
    *,
    reason: str = "",
    check=True,
    replace=False,
) -> tuple[EnterpriseYear, bool]:
    """Store an enterprise's figures for a year as a new version; the previous version is kept.

    `values` adds to the current figures, or with `replace` stands for the whole year (an imported row:
    an empty cell means "no figure"). Returns (current version, whether anything changed); unchanged
    figures write nothing. `check=False` is for callers that checked the scope for a whole batch.
    """
    if check and not _may(acting_user, Capability.CHANGE_ENTERPRISES, enterprise):
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
