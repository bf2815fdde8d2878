"""Vouchers in the budget execution of their type's article: what institutions redeemed commits the
article's budget of the type's year, what was settled is paid (`policies.grants.EXECUTION_SOURCES`)."""

from __future__ import annotations

from django.db.models import Q, Sum

from .models import VoucherStatus

USED = (VoucherStatus.REDEEMED, VoucherStatus.VERIFIED, VoucherStatus.SETTLED)


def execution(instrument_ids, years) -> dict:
    from .models import Voucher

    rows = (
        Voucher.objects.filter(type__instrument_id__in=instrument_ids, type__year__in=years, status__in=USED)
        .values("type__instrument_id", "type__year")
        .annotate(
            committed=Sum("redeemed_amount"),
            paid=Sum("redeemed_amount", filter=Q(status=VoucherStatus.SETTLED)),
        )
        .values_list("type__instrument_id", "type__year", "committed", "paid")
    )
    return {(i, y): (c, p) for i, y, c, p in rows}


def register() -> None:
    from kechuang.policies import grants

    if execution not in grants.EXECUTION_SOURCES:
        grants.EXECUTION_SOURCES.append(execution)
