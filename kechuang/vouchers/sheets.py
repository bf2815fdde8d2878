"""Vouchers out to Excel with the list's filters (claimed, issued and redeemed on their pages, never from
a file)."""

from __future__ import annotations

from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Sheet, register

from .models import Voucher

MONEY = {"kind": "decimal", "decimal_places": 2, "max_digits": 18}
NOT_IMPORTED = "vouchers.not_imported"  # a capability no role holds: the sheet only exports


@register
class VoucherSheet(Sheet):
    key = "vouchers"
    title = "科技创新券"
    registry = "vouchers"
    view_capability = Capability.VIEW_VOUCHERS
    import_capability = NOT_IMPORTED
    natural_key = ("number",)
    columns = [
        Column("number", "券号", readonly=True, width=16),
        Column("type", "类型", readonly=True, width=24),
        Column("credit_code", "统一社会信用代码", readonly=True, width=22),
        Column("enterprise", "持券企业", readonly=True, width=30),
        Column("town", "镇乡街道", readonly=True, width=12),
        Column("face_value", "面值（元）", readonly=True, **MONEY),
        Column("issued_on", "发放日期", kind="date", readonly=True),
        Column("expires_on", "有效期至", kind="date", readonly=True),
        Column("provider", "兑付服务机构", readonly=True, width=30),
        Column("redeemed_on", "兑付日期", kind="date", readonly=True),
        Column("contract_number", "服务合同编号", readonly=True, width=18),
        Column("invoice_number", "发票号码", readonly=True, width=18),
        Column("invoice_amount", "发票金额（元）", readonly=True, **MONEY),
        Column("redeemed_amount", "抵扣金额（元）", readonly=True, **MONEY),
        Column("flags", "核查提示", readonly=True, width=40),
        Column("settled_on", "结算日期", kind="date", readonly=True),
        Column("settlement_number", "结算凭证号", readonly=True, width=18),
        Column("status", "状态", readonly=True),
    ]

    def queryset(self, user):
        return visible_to(
            user,
            Voucher.objects.select_related("type", "enterprise__town", "provider"),
            Capability.VIEW_VOUCHERS,
        ).order_by("-issued_on", "number", "pk")

    def export_row(self, v: Voucher) -> dict:
        return {
            ID_HEADER: v.pk,
            "number": v.number,
            "type": str(v.type),
            "credit_code": v.enterprise.credit_code,
            "enterprise": v.enterprise.name,
            "town": v.enterprise.town.name,
            "face_value": v.face_value,
            "issued_on": v.issued_on,
            "expires_on": v.expires_on,
            "provider": v.provider.name if v.provider_id else "",
            "redeemed_on": v.redeemed_on,
            "contract_number": v.contract_number,
            "invoice_number": v.invoice_number,
            "invoice_amount": v.invoice_amount,
            "redeemed_amount": v.redeemed_amount,
            "flags": "；".join(v.flags),
            "settled_on": v.settled_on,
            "settlement_number": v.settlement_number,
            "status": v.get_status_display(),
        }
