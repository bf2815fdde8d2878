"""A money column shows 万元 (`Column.money`): its heading says so, whatever unit the field is kept in —
on every registry's list."""

import pytest

from kechuang.web.registry import registries


def test_every_money_column_is_headed_in_wan_yuan():
    checked = 0
    for registry in registries():
        for column in registry.columns:
            label = registry.column_label(column)
            if column.money:
                assert "万元" in label and "（元）" not in label, (registry.key, column.name, label)
                checked += 1
    assert checked >= 10


def test_a_field_kept_in_yuan_is_headed_in_wan_yuan_when_shown_as_money():
    [grants] = [r for r in registries() if r.key == "grants"]
    [amount] = [c for c in grants.columns if c.name == "amount"]
    assert str(grants.model._meta.get_field("amount").verbose_name) == "审定金额（元）"
    assert grants.column_label(amount) == "审定金额（万元）"


@pytest.mark.django_db
def test_a_records_page_shows_its_money_in_yuan_with_separators(client_as):
    """On a record's page, an amount kept in 元 reads 20,000.00 — not 20000.00."""
    from kechuang.vouchers.models import VoucherType

    vtype = VoucherType.objects.get(name="科技创新券（研发服务）")
    page = client_as("kjj").get(vtype.get_absolute_url())
    facts = dict(page.context["facts"])
    assert facts["面值（元）"] == f"{vtype.face_value:,.2f}" == "20,000.00"
    assert facts["每家企业年度上限（元）"] == "50,000.00" and facts["年度"] == vtype.year
