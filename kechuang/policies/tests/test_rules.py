"""A policy rule as data: checked with errors naming the condition or term, said in words, evaluated from
the registries with the reason for each figure — on enterprises made here with hand-computed results."""

from datetime import date
from decimal import Decimal

import pytest

from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification, QualificationKind
from kechuang.org.models import Department
from kechuang.platforms.models import Institution
from kechuang.policies import rules
from kechuang.policies.rules import RuleError

pytestmark = pytest.mark.django_db

YEAR = 2023


def _enterprise(code: str, name: str, *, industry="C3985", registered=date(2015, 3, 1)) -> Enterprise:
    town = Department.objects.get(name="汉丰街道")
    return Enterprise.objects.create(
        credit_code=code, name=name, town=town, industry_code=industry, registered_on=registered
    )


def _year(enterprise, year, rd, sales=Decimal(50_000_000)):
    zero = Decimal(0)
    return EnterpriseYear.objects.create(
        enterprise=enterprise,
        year=year,
        sales_revenue=sales,
        total_income=sales,
        total_cost=zero,
        rd_expense=Decimal(rd),
        rd_domestic=Decimal(rd),
        net_assets=zero,
        total_assets=zero,
        hightech_income=zero,
    )


@pytest.fixture
def firms():
    """甲: R&D 612.34万 (previous year 500万), first HTE in 2023; 乙: 480万 (no previous year), HTE since
    2019; 丙: 49.99万, a 市级 and a 国家级 platform recognised in 2023, not manufacturing."""
    a = _enterprise("91500234MA0000001X", "测试甲科技有限公司")
    b = _enterprise("91500234MA0000002X", "测试乙科技有限公司")
    c = _enterprise("91500234MA0000003X", "测试丙科技有限公司", industry="I6513")
    _year(a, YEAR, "6123400.00")
    _year(a, YEAR - 1, "5000000.00")
    _year(b, YEAR, "4800000.00")
    _year(c, YEAR, "499900.00")
    _year(c, YEAR - 1, "600000.00")
    hte = QualificationKind.objects.get(code="hte")
    Qualification.objects.create(
        enterprise=a, kind=hte, number="GR202350000001", issued_on=date(YEAR, 11, 20)
    )
    Qualification.objects.create(enterprise=b, kind=hte, number="GR201950000009", issued_on=date(2019, 10, 1))
    town = a.town
    for level, name in (("市级", "丙市级企业技术中心"), ("国家级", "丙国家级企业技术中心")):
        Institution.objects.create(
            name=name,
            institution_type="企业技术中心",
            level=level,
            town=town,
            host=c,
            recognized_on=date(YEAR, 6, 1),
        )
    return a, b, c


def _run(conditions, amount, firms):
    return rules.evaluate(conditions, amount, YEAR, [f.pk for f in firms])


RD_TIERS = {
    "type": "tiers",
    "fact": "rd_expense",
    "tiers": [{"from": 500_000, "amount": 20_000}, {"from": 5_000_000, "amount": 50_000}],
}


def test_tiers_pay_the_highest_tier_reached_and_say_which(firms):
    a, b, c = _run([], RD_TIERS, firms)
    assert (a.eligible, a.amount) == (True, Decimal("50000.00"))
    assert (b.eligible, b.amount) == (True, Decimal("20000.00"))
    assert not c.eligible and c.amount == 0  # 49.99万 is below the first tier
    assert a.reasons[0]["text"] == "2023 年度研发费用 612.34 万元，达到“500.00 万元”一档：5.00 万元"
    assert a.reasons[0]["url"].startswith("/enterprises/years/")
    assert c.missing == [{"text": "按金额规则测算为 0"}]


def test_a_share_takes_the_lower_of_stock_and_increment_and_a_cap(firms):
    # 甲: 1% of 6,123,400 = 61,234; 5% of the increment 1,123,400 = 56,170 → 56,170; cap 60,000 not hit
    # 乙: no previous year → the increment counts as 0 → 0 → not eligible
    # 丙: the increment is negative (−100,100) → never below 0
    amount = {
        "type": "share",
        "terms": [{"fact": "rd_expense", "rate": "0.01"}, {"fact": "rd_increment", "rate": "0.05"}],
        "combine": "min",
        "cap": 60_000,
    }
    a, b, c = _run([], amount, firms)
    assert a.amount == Decimal("56170.00") and a.eligible
    assert not b.eligible and not c.eligible
    assert [r["text"] for r in a.reasons] == [
        "2023 年度研发费用 612.34 万元 × 1% = 6.12 万元",
        "研发费用 2023 年 612.34 万元，较 2022 年增加 112.34 万元 × 5% = 5.62 万元",
        "取较低者：5.62 万元",
    ]
    summed = _run([], {**amount, "combine": "sum"}, firms)[0]
    assert summed.amount == Decimal("60000.00")  # 61,234 + 56,170 = 117,404, capped at 60,000
    assert summed.reasons[-1]["text"] == "超过上限，按上限 6.00 万元"


def test_per_unit_counts_the_platforms_of_the_year_by_level(firms):
    amount = {
        "type": "sum",
        "parts": [
            {"type": "per_unit", "fact": "platforms_recognized", "level": ["国家级"], "amount": 1_000_000},
            {"type": "per_unit", "fact": "platforms_recognized", "level": ["市级"], "amount": 300_000},
        ],
    }
    a, _, c = _run([], amount, firms)
    assert c.amount == Decimal("1300000.00") and not a.eligible


def test_conditions_all_hold_and_a_failure_says_what_is_missing(firms):
    conditions = [
        {"fact": "rd_expense", "op": ">=", "value": 5_000_000},
        {"fact": "first_qualified", "kind": "hte"},
        {"fact": "manufacturing"},
    ]
    a, b, c = _run(conditions, {"type": "fixed", "amount": 200_000}, firms)
    assert a.eligible and a.amount == Decimal("200000.00")
    assert [r["text"] for r in a.reasons[:3]] == [
        "当年研发费用不低于 500.00 万元：2023 年度研发费用 612.34 万元",
        "当年首次认定为高新技术企业：2023-11-20 首次认定为高新技术企业",
        "属制造业：行业代码 C3985（属制造业）",
    ]
    # 乙 misses two (R&D 20万 short, HTE since 2019): not a near miss
    assert not b.eligible and not b.near
    assert [m["text"] for m in b.missing] == [
        "须当年研发费用不低于 500.00 万元：2023 年度研发费用 480.00 万元，差 20.00 万元",
        "须当年首次认定为高新技术企业：首次认定为高新技术企业在 2019 年，不在 2023 年",
    ]
    # 丙 misses all three
    assert len(c.missing) == 3 and not c.near


def test_one_numeric_condition_missed_by_a_little_is_a_near_miss(firms):
    conditions = [{"fact": "rd_expense", "op": ">=", "value": 5_000_000}]
    a, b, c = _run(conditions, {"type": "fixed", "amount": 10_000}, firms)
    assert a.eligible and not b.eligible and b.near  # 480万: 4% short
    assert not c.near  # 49.99万: 90% short
    assert [m["text"] for m in c.missing] == [
        "须当年研发费用不低于 500.00 万元：2023 年度研发费用 49.99 万元，差 450.01 万元"
    ]


def test_a_flag_negated_and_a_previous_year_figure(firms):
    conditions = [
        {"fact": "manufacturing", "op": "not"},
        {"fact": "rd_expense", "year_offset": -1, "op": ">", "value": 0},
    ]
    a, b, c = _run(conditions, {"type": "fixed", "amount": 10_000}, firms)
    assert c.eligible and not a.eligible and not b.eligible
    assert b.missing[-1]["text"] == "须上年度研发费用高于 0.00 万元：台账中没有相应数据"
    assert rules.describe_condition(conditions[0]) == "不属制造业"


def test_the_amount_is_rounded_half_up_to_the_step():
    # 1% of 612,345.50 = 6,123.455 → to the fen 6,123.46; to the hundred 6,100
    assert rules._round(Decimal("6123.455"), {}) == Decimal("6123.46")
    assert rules._round(Decimal("6150"), {"round_to": 100}) == Decimal("6200.00")
    assert rules._round(Decimal("6149.99"), {"round_to": 100}) == Decimal("6100.00")


def test_evaluation_reads_each_fact_once_whatever_the_number_of_enterprises(
    firms, django_assert_max_num_queries
):
    conditions = [
        {"fact": "rd_expense", "op": ">=", "value": 500_000},
        {"fact": "qualified", "kind": "hte"},
    ]
    amount = {
        "type": "share",
        "terms": [{"fact": "rd_expense", "rate": "0.01"}, {"fact": "rd_increment", "rate": "0.05"}],
    }
    many = list(Enterprise.objects.values_list("pk", flat=True))
    assert len(many) > 500
    # years of 2023 and 2022, qualifications, the kinds' names (once per description)
    with django_assert_max_num_queries(6):
        outcomes = rules.evaluate(conditions, amount, YEAR, many)
    assert len(outcomes) == len(many)


@pytest.mark.parametrize(
    ("conditions", "amount", "field", "message"),
    [
        (
            [{"fact": "rd", "op": ">=", "value": 1}],
            {"type": "fixed", "amount": 1},
            "conditions",
            "条件 1：未知的数据项“rd”",
        ),
        (
            [{"fact": "rd_expense", "op": "≥", "value": 1}],
            {"type": "fixed", "amount": 1},
            "conditions",
            "条件 1：op 应为",
        ),
        (
            [{"fact": "rd_expense", "op": ">=", "value": "五十万"}],
            {"type": "fixed", "amount": 1},
            "conditions",
            "条件 1：value“五十万”不是数字",
        ),
        (
            [{"fact": "qualified", "kind": "hte", "op": ">="}],
            {"type": "fixed", "amount": 1},
            "conditions",
            "条件 1：“年末持有资质”的 op 应为 is 或 not",
        ),
        (
            [{"fact": "rd_expense", "year_offset": 1, "op": ">", "value": 0}],
            {"type": "fixed", "amount": 1},
            "conditions",
            "year_offset 应为 0 或负整数",
        ),
        ([], {"type": "fixed", "amount": -5}, "amount", "金额规则金额 amount：应为正数"),
        ([], {"type": "percent"}, "amount", "金额规则：type 应为"),
        (
            [],
            {
                "type": "tiers",
                "fact": "rd_expense",
                "tiers": [{"from": 5, "amount": 1}, {"from": 5, "amount": 2}],
            },
            "amount",
            "金额规则第 2 档：起点应高于上一档",
        ),
        (
            [],
            {"type": "share", "terms": [{"fact": "qualified", "rate": "0.1"}]},
            "amount",
            "“年末持有资质”是是否判断，不能用于计算金额",
        ),
        (
            [],
            {
                "type": "sum",
                "parts": [
                    {"type": "fixed", "amount": 1},
                    {"type": "per_unit", "fact": "platforms_recognized", "level": ["省级"], "amount": 1},
                ],
            },
            "amount",
            "金额规则第 2 部分：level 应为",
        ),
    ],
)
def test_a_rule_that_cannot_be_evaluated_is_refused_naming_the_place(conditions, amount, field, message):
    with pytest.raises(RuleError) as refused:
        rules.check(conditions, amount)
    assert refused.value.field == field
    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_rules_in_words():
    assert (
        rules.describe_amount(
            {
                "type": "share",
                "terms": [{"fact": "rd_expense", "rate": "0.01"}, {"fact": "rd_increment", "rate": "0.05"}],
                "cap": 5_000_000,
            }
        )
        == "按比例：当年研发费用的 1%与研发费用增量的 5%中的较低者，最高 500.00 万元"
    )
    assert rules.describe_condition({"fact": "qualified", "kind": "kxqy"}) == "年末为有效的科技型中小企业"
