"""Every change to policy documents, instruments and their rules (免申即享 lists: `exempt.py`; budgets,
grants and payments: `grants.py`)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on

from .models import Instrument, PolicyDocument, Rule


def save_document(
    acting_user, document: PolicyDocument | None, *, reason: str = "", **fields
) -> PolicyDocument:
    """Register or update a policy document, in the name of a department the user keeps policies for."""
    if document is not None and not may_act_on(acting_user, document.department, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有修改该政策文件的权限。")
    document = document or PolicyDocument()
    for name, value in fields.items():
        setattr(document, name, value)
    if document.department_id and not may_act_on(
        acting_user, document.department, Capability.MANAGE_POLICIES
    ):
        raise ActionRefused(f"您没有以“{document.department.name}”名义登记政策的权限。")
    document.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        document.save()
    return document


def save_instrument(acting_user, instrument: Instrument | None, *, reason: str = "", **fields) -> Instrument:
    """Register or update an article of a policy (its rules are versions of their own: `save_rule`)."""
    instrument = instrument or Instrument()
    for name, value in fields.items():
        setattr(instrument, name, value)
    if instrument.document_id and not may_act_on(
        acting_user, instrument.document.department, Capability.MANAGE_POLICIES
    ):
        raise ActionRefused("您没有登记该政策条款的权限。")
    instrument.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        instrument.save()
    return instrument


def save_rule(
    acting_user, instrument: Instrument, *, valid_from, valid_to=None, conditions, amount, basis="", reason=""
) -> Rule:
    """A new version of an instrument's rule. Versions in force meanwhile must not overlap: the version
    still open-ended before this one is closed the day before it starts; any other overlap is refused."""
    if not may_act_on(acting_user, instrument.document.department, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有修改该政策兑现规则的权限。")
    with audit_context(actor=acting_user, reason=reason or "新增兑现规则版本"), transaction.atomic():
        Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
        version = (instrument.rules.aggregate(v=Max("version"))["v"] or 0) + 1
        rule = Rule(
            instrument=instrument,
            version=version,
            valid_from=valid_from,
            valid_to=valid_to,
            conditions=conditions,
            amount=amount,
            basis=basis,
            created_by=acting_user,
        )
        rule.full_clean()
        current = instrument.rule_on(valid_from)
        if current is not None and (current.conditions, current.amount, current.valid_to) == (
            rule.conditions,
            rule.amount,
            rule.valid_to,
        ):
            raise ActionRefused(
                f"与现行第 {current.version} 版规则相同，未新增版本：请修改条件或金额后再保存。"
            )

        open_before = instrument.rules.filter(valid_from__lt=valid_from, valid_to__isnull=True).first()
        if open_before is not None:
            open_before.valid_to = valid_from - timedelta(days=1)
            open_before.save(update_fields=["valid_to"])
        overlap = instrument.rules.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
            **({"valid_from__lte": valid_to} if valid_to else {}),
        ).first()
        if overlap is not None:
            raise ValidationError(
                {"valid_from": f"与第 {overlap.version} 版（{overlap.valid_from:%Y-%m-%d} 起）的适用期重叠。"}
            )
        rule.save()
    return rule
