"""A money column shows 万元 (`Column.money`): its heading says so, whatever unit the field is kept in —
on every registry's list."""

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
