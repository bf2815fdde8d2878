"""Every change to platforms."""

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on

from .models import Institution


def _may_change(user, institution: Institution) -> bool:
    return may_act_on(user, institution, Capability.CHANGE_PLATFORMS)


def save_institution(
    acting_user, institution: Institution | None, *, reason: str = "", **fields
) -> Institution:
    """Register (institution None) or update a platform; the user needs `platforms.change` over its
    town — both the one it is in now and the one it is moved to."""
    if institution is None:
        institution = Institution(**fields)
    else:
        if not _may_change(acting_user, institution):
            raise ActionRefused("您没有修改该平台的权限。")
        for name, value in fields.items():
            setattr(institution, name, value)
    town = institution.town if institution.town_id else None
    if town is not None and not may_act_on(acting_user, town, Capability.CHANGE_PLATFORMS):
        raise ActionRefused(f"您没有在“{town.name}”登记平台的权限。")
    institution.full_clean()  # names a missing town, a duplicate recognition, a revocation before it
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        institution.save()
    return institution


def delete_institution(acting_user, institution: Institution, *, reason: str = "") -> None:
    """Remove a platform registered by mistake (a platform that lost its recognition keeps its record
    with the 撤销/摘牌日期)."""
    if not _may_change(acting_user, institution):
        raise ActionRefused("您没有删除该平台的权限。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        institution.delete()
