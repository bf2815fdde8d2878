"""免申即享: benefits without application. For an instrument the registries can decide, the bureau
computes a data year's list — every enterprise of the district the rule in force finds eligible, with
the amount and the reason for each (which record, which figure, which tier), and beside it those that
just miss one condition, with what they miss. While 拟定中 the list can be computed again (the registry
changed) and lines set aside with a reason; confirming it commits the amounts against the budget year
(refused beyond what is left) and offers each enterprise its grant: the enterprise confirms its account
online and the grant joins the payment flow (`grants.py`)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from kechuang.audit.recording import record_bulk, record_change
from kechuang.core.context import audit_context
from kechuang.enterprises.models import Enterprise
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.workflow import engine as workflow

from . import grants, rules
from .models import BenefitLine, BenefitRound, Grant, Instrument, LineStatus, Mode, RoundStatus


def population(instrument: Instrument):
    """The enterprises an instrument of the document's department reaches: those in the registry (在册)
    in its towns."""
    return Enterprise.objects.filter(
        is_active=True, town__path__startswith=instrument.document.department.path
    ).order_by("pk")


def rule_for(instrument: Instrument, data_year: int):
    rule = instrument.rule_on(date(data_year, 12, 31))
    if rule is None:
        raise ActionRefused(f"“{instrument.name}”没有适用于 {data_year} 年度的兑现规则。")
    return rule


def _lines(round_: BenefitRound, outcomes) -> list[BenefitLine]:
    return [
        BenefitLine(
            round=round_,
            enterprise_id=o.enterprise_id,
            eligible=o.eligible,
            amount=o.amount if o.eligible else 0,
            reasons=o.reasons,
            missing=o.missing,
        )
        for o in outcomes
        if o.eligible or o.near
    ]


def compute(acting_user, instrument: Instrument, *, data_year: int, budget_year: int) -> BenefitRound:
    """Compute (or compute again, while 拟定中) the 免申即享 list of `instrument` for `data_year`. Lines the
    bureau set aside stay aside with their note."""
    if instrument.mode != Mode.EXEMPT:
        raise ActionRefused(f"“{instrument.name}”须企业申请，不是免申即享政策。")
    if not may_act_on(acting_user, instrument.document.department, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有测算该政策免申即享名单的权限。")
    if not data_year <= budget_year <= data_year + 1:
        raise ValidationError({"budget_year": "兑现年度应为数据年度当年或次年。"})
    rule = rule_for(instrument, data_year)
    reached = population(instrument)
    ids = list(reached.values_list("pk", flat=True))
    outcomes = rules.evaluate(rule.conditions, rule.amount, data_year, ids, among=reached)
    with audit_context(actor=acting_user, reason=f"测算 {data_year} 年度免申即享名单"), transaction.atomic():
        round_ = (
            BenefitRound.objects.select_for_update()
            .filter(instrument=instrument, data_year=data_year)
            .first()
        )
        if round_ is not None and round_.status != RoundStatus.DRAFT:
            raise ActionRefused(f"{data_year} 年度名单已{round_.get_status_display()}，不能重新测算。")
        before = None
        if round_ is None:
            round_ = BenefitRound(
                instrument=instrument,
                data_year=data_year,
                budget_year=budget_year,
                rule=rule,
                created_by=acting_user,
            )
        else:
            before = {
                "rule": round_.rule_id,
                "budget_year": round_.budget_year,
                "lines": round_.lines.count(),
            }
        round_.rule, round_.budget_year, round_.computed_at = rule, budget_year, timezone.now()
        round_.save()
        set_aside = dict(round_.lines.filter(status=LineStatus.EXCLUDED).values_list("enterprise_id", "note"))
        round_.lines.all().delete()
        lines = _lines(round_, outcomes)
        for line in lines:
            if line.enterprise_id in set_aside:
                line.status, line.note = LineStatus.EXCLUDED, set_aside[line.enterprise_id]
        BenefitLine.objects.bulk_create(lines, batch_size=2000)
        after = {"rule": rule.pk, "budget_year": budget_year, "lines": len(lines)}
        if before is not None:
            record_change(round_, "update", before, after, [k for k in after if before.get(k) != after[k]])
    return round_


def _draft_line(acting_user, line: BenefitLine) -> BenefitLine:
    if not may_act_on(acting_user, line.round, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有调整该名单的权限。")
    if line.round.status != RoundStatus.DRAFT:
        raise ActionRefused("名单已确认，不能再调整。")
    if not line.eligible:
        raise ActionRefused("不符合条件的企业不在名单内。")
    return line


def exclude(acting_user, line: BenefitLine, *, reason: str) -> BenefitLine:
    """Set a line aside (a duplicate benefit, a penalty in the year …) with the reason."""
    _draft_line(acting_user, line)
    if not (reason or "").strip():
        raise ValidationError({"reason": "剔除须填写理由。"})
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        line.status, line.note = LineStatus.EXCLUDED, reason.strip()
        line.save(update_fields=["status", "note"])
    return line


def restore(acting_user, line: BenefitLine, *, reason: str = "") -> BenefitLine:
    _draft_line(acting_user, line)
    with audit_context(actor=acting_user, reason=reason or "恢复至名单"), transaction.atomic():
        line.status, line.note = LineStatus.PROPOSED, ""
        line.save(update_fields=["status", "note"])
    return line


def totals(round_: BenefitRound) -> dict:
    rows = dict(
        round_.lines.filter(eligible=True)
        .values("status")
        .annotate(total=Sum("amount"))
        .values_list("status", "total")
    )
    counts = dict(round_.lines.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {"amounts": rows, "counts": counts}


def confirm(
    acting_user, round_: BenefitRound, *, decision_number: str, confirmed_on: date, comment: str = ""
):
    """The bureau confirms the list: every proposed line becomes a grant against the budget year (refused
    beyond what the budget leaves), offered to its enterprise to confirm its account."""
    decision_number = (decision_number or "").strip()
    errors = {}
    if not decision_number:
        errors["decision_number"] = "请填写审定文号。"
    if confirmed_on is None:
        errors["confirmed_on"] = "请填写确认日期。"
    elif confirmed_on > timezone.localdate():
        errors["confirmed_on"] = "确认日期不能晚于今天。"
    if errors:
        raise ValidationError(errors)
    with audit_context(actor=acting_user, reason=comment or "确认免申即享名单"), transaction.atomic():
        round_ = BenefitRound.objects.select_for_update().get(pk=round_.pk)
        proposed = list(
            round_.lines.filter(eligible=True, status=LineStatus.PROPOSED).select_related("enterprise__town")
        )
        if not proposed:
            raise ActionRefused("名单中没有拟享受的企业。")
        total = sum((line.amount for line in proposed), start=proposed[0].amount * 0)
        grants.require_budget(round_.instrument, round_.budget_year, total, "本名单")
        workflow.perform(
            round_,
            "confirm",
            acting_user,
            comment=comment,
            changes={"decision_number": decision_number, "confirmed_on": confirmed_on},
        )
        created = Grant.objects.bulk_create(
            [
                Grant(
                    instrument=round_.instrument,
                    budget_year=round_.budget_year,
                    enterprise=line.enterprise,
                    amount=line.amount,
                    benefit_line=line,
                    decision_number=decision_number,
                    decided_on=confirmed_on,
                    reasons=line.reasons,
                )
                for line in proposed
            ]
        )
        record_bulk(created, "create")
        BenefitLine.objects.filter(pk__in=[line.pk for line in proposed]).update(status=LineStatus.OFFERED)
    return round_
