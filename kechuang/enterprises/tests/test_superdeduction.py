"""研发费用加计扣除: the calculator at every period boundary, the command, and the take-up page, its export
and metric. Every expected figure below was worked out by hand (docs/SUPERDEDUCTION.md shows the sums)."""

import io
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.enterprises import creditcode
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification, QualificationKind
from kechuang.enterprises.superdeduction import SuperdeductionInputError, calculate
from kechuang.metrics.periods import Period
from kechuang.metrics.registry import metrics
from kechuang.testing import samples

D = Decimal


def one(item) -> dict:
    outcomes, _ = calculate(item)
    return outcomes[0].result


def notes_of(item) -> list[str]:
    return calculate(item)[1]


def expect(result, rate_expensed, rate_capitalised, extra, tax):
    assert result == {
        "rate_expensed": D(rate_expensed),
        "rate_capitalised": D(rate_capitalised),
        "extra_deduction": D(extra),
        "tax_saving": D(tax),
    }
    assert list(result) == ["rate_expensed", "rate_capitalised", "extra_deduction", "tax_saving"]


# --- the rates by period ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "year, manufacturing, kxqy, rates",
    [
        (2008, False, False, ("0.50", "1.50")),
        (2016, False, False, ("0.50", "1.50")),
        (2016, True, True, ("0.50", "1.50")),  # no 75 % for anyone before 2017
        (2017, False, True, ("0.75", "1.75")),  # 财税〔2017〕34号
        (2017, True, False, ("0.50", "1.50")),  # manufacturing alone changes nothing yet
        (2018, False, False, ("0.75", "1.75")),  # 财税〔2018〕99号: everyone
        (2019, False, True, ("0.75", "1.75")),
        (2020, True, True, ("0.75", "1.75")),
        (2021, True, False, ("1.00", "2.00")),  # 公告2021年第13号: manufacturing
        (2021, False, True, ("0.75", "1.75")),  # 科小 not yet at 100 %
        (2021, False, False, ("0.75", "1.75")),
        (2022, False, True, ("1.00", "2.00")),  # 公告2022年第16号
        (2022, True, False, ("1.00", "2.00")),
        (2022, False, False, ("0.75", "1.75")),
        (2023, False, False, ("1.00", "2.00")),  # 公告2023年第7号: everyone, permanently
        (2025, False, False, ("1.00", "2.00")),
        (2031, True, True, ("1.00", "2.00")),
    ],
)
def test_rate_by_period_and_enterprise(year, manufacturing, kxqy, rates):
    result = one({"year": year, "manufacturing": manufacturing, "kxqy": kxqy, "expensed_rd": 1_000_000})
    rate_expensed, rate_capitalised = rates
    assert result["rate_expensed"] == D(rate_expensed)
    assert result["rate_capitalised"] == D(rate_capitalised)
    assert result["extra_deduction"] == D(1_000_000) * D(rate_expensed)


def test_amounts_by_period_written_out():
    # 2016: 1,000,000 × 50 % = 500,000.00; tax 25 % = 125,000.00
    expect(one({"year": 2016, "expensed_rd": 1_000_000}), "0.50", "1.50", "500000.00", "125000.00")
    # 2017 科小: × 75 % = 750,000.00; 187,500.00
    expect(
        one({"year": 2017, "kxqy": True, "expensed_rd": 1_000_000}), "0.75", "1.75", "750000.00", "187500.00"
    )
    # 2021 制造业 高企: × 100 % = 1,000,000.00; tax 15 % = 150,000.00
    expect(
        one({"year": 2021, "manufacturing": True, "hte": True, "expensed_rd": 1_000_000}),
        "1.00",
        "2.00",
        "1000000.00",
        "150000.00",
    )
    # 2023 一般企业: × 100 %; 250,000.00
    expect(one({"year": 2023, "expensed_rd": 1_000_000}), "1.00", "2.00", "1000000.00", "250000.00")


def test_hte_changes_the_tax_rate_not_the_deduction():
    plain = one({"year": 2019, "expensed_rd": 800_000})
    hte = one({"year": 2019, "hte": True, "expensed_rd": 800_000})
    # 800,000 × 75 % = 600,000; 25 % → 150,000; 15 % → 90,000
    expect(plain, "0.75", "1.75", "600000.00", "150000.00")
    expect(hte, "0.75", "1.75", "600000.00", "90000.00")


def test_capitalised_amortisation():
    # 2019: 400,000 × 0.75 + 200,000 × 0.75 = 300,000 + 150,000 = 450,000; tax 112,500
    expect(
        one({"year": 2019, "expensed_rd": 400_000, "capitalised_rd_amortised": 200_000}),
        "0.75",
        "1.75",
        "450000.00",
        "112500.00",
    )
    # 2016: amortisation 100,000 at 150 % → extra 50,000; 2023: at 200 % → extra 100,000
    expect(
        one({"year": 2016, "expensed_rd": 0, "capitalised_rd_amortised": 100_000}),
        "0.50",
        "1.50",
        "50000.00",
        "12500.00",
    )
    expect(
        one({"year": 2023, "expensed_rd": 0, "capitalised_rd_amortised": 100_000, "hte": True}),
        "1.00",
        "2.00",
        "100000.00",
        "15000.00",
    )


# --- 2022: October–December at 100 % for those at 75 % ---------------------------------------------------


def test_q4_split_for_an_enterprise_at_75_percent():
    # (1,200,000 − 300,000) × 0.75 + 300,000 × 1.00 = 675,000 + 300,000 = 975,000
    # effective rate 975,000 ÷ 1,200,000 = 0.8125; tax 25 % = 243,750
    item = {"year": 2022, "expensed_rd": 1_200_000, "q4_expensed_rd": 300_000}
    expect(one(item), "0.8125", "1.75", "975000.00", "243750.00")
    assert notes_of(item) == []


def test_q4_split_keeps_the_capitalised_rate():
    # 600,000 × 0.75 + 400,000 × 1.00 + 100,000 × 0.75 = 450,000 + 400,000 + 75,000 = 925,000
    # effective rate 850,000 ÷ 1,000,000 = 0.85
    item = {
        "year": 2022,
        "expensed_rd": 1_000_000,
        "q4_expensed_rd": 400_000,
        "capitalised_rd_amortised": 100_000,
    }
    expect(one(item), "0.85", "1.75", "925000.00", "231250.00")


def test_q4_effective_rate_is_rounded_half_up_to_four_places():
    # (3 − 1) × 0.75 + 1 = 2.5; 2.5 ÷ 3 = 0.83333… → 0.8333; tax 0.625 → 0.63
    expect(one({"year": 2022, "expensed_rd": 3, "q4_expensed_rd": 1}), "0.8333", "1.75", "2.50", "0.63")
    # (7 − 1) × 0.75 + 1 = 5.5; 5.5 ÷ 7 = 0.785714… → 0.7857; tax 1.375 → 1.38
    expect(one({"year": 2022, "expensed_rd": 7, "q4_expensed_rd": 1}), "0.7857", "1.75", "5.50", "1.38")
    # (10,000 − 2) × 0.75 + 2 = 7,498.5 + 2 = 7,500.5; 7,500.5 ÷ 10,000 = 0.75005 exactly → 0.7501 (half up,
    # not half even); tax 7,500.50 × 25 % = 1,875.125 → 1,875.13
    expect(
        one({"year": 2022, "expensed_rd": 10_000, "q4_expensed_rd": 2}),
        "0.7501",
        "1.75",
        "7500.50",
        "1875.13",
    )


def test_q4_split_for_an_hte():
    # (1,000,000 − 333,333) × 0.75 + 333,333 = 500,000.25 + 333,333 = 833,333.25
    # rate 0.83333325 → 0.8333; tax 15 %: 124,999.9875 → 124,999.99
    item = {"year": 2022, "hte": True, "expensed_rd": 1_000_000, "q4_expensed_rd": 333_333}
    expect(one(item), "0.8333", "1.75", "833333.25", "124999.99")


def test_q4_with_nothing_expensed_reports_75_percent():
    expect(one({"year": 2022, "expensed_rd": 0, "q4_expensed_rd": 0}), "0.75", "1.75", "0.00", "0.00")


def test_q4_missing_for_2022_at_75_percent_is_noted():
    item = {"year": 2022, "expensed_rd": 1_000_000}
    expect(one(item), "0.75", "1.75", "750000.00", "187500.00")
    (note,) = notes_of(item)
    assert note.startswith("第 1 项：") and "未提供 10–12 月费用化研发费用" in note


@pytest.mark.parametrize(
    "item, rate",
    [
        ({"year": 2022, "kxqy": True}, "1.00"),
        ({"year": 2022, "manufacturing": True}, "1.00"),
        ({"year": 2021}, "0.75"),
        ({"year": 2023}, "1.00"),
    ],
)
def test_q4_elsewhere_is_ignored_with_a_note(item, rate):
    item = {**item, "expensed_rd": 1_000_000, "q4_expensed_rd": 500_000}
    result = one(item)
    assert result["rate_expensed"] == D(rate)
    assert result["extra_deduction"] == D(1_000_000) * D(rate)
    (note,) = notes_of(item)
    assert "q4_expensed_rd 已忽略" in note


# --- rounding -----------------------------------------------------------------------------------------


def test_rounding_half_up_at_half_a_fen():
    # 10.02 × 0.75 = 7.515 → 7.52; 7.52 × 25 % = 1.88
    expect(one({"year": 2018, "expensed_rd": "10.02"}), "0.75", "1.75", "7.52", "1.88")
    # 0.02 × 1.00 = 0.02; 0.02 × 25 % = 0.005 → 0.01
    expect(one({"year": 2023, "expensed_rd": "0.02"}), "1.00", "2.00", "0.02", "0.01")
    # 0.10 × 15 % = 0.015 → 0.02
    expect(one({"year": 2023, "hte": True, "expensed_rd": "0.1"}), "1.00", "2.00", "0.10", "0.02")
    # 2.01 × 0.5 = 1.005 → 1.01 (half even would give 1.00); 1.01 × 25 % = 0.2525 → 0.25
    expect(one({"year": 2015, "expensed_rd": "2.01"}), "0.50", "1.50", "1.01", "0.25")


def test_tax_is_computed_on_the_rounded_deduction():
    # 0.02 × 0.75 = 0.015 → 0.02; tax 0.02 × 25 % = 0.005 → 0.01 (on 0.015 it would be 0.00375 → 0.00)
    expect(one({"year": 2019, "expensed_rd": "0.02"}), "0.75", "1.75", "0.02", "0.01")


def test_money_as_int_float_literal_or_string():
    # 123,456.78 × 0.75 = 92,592.585 → 92,592.59; × 25 % = 23,148.1475 → 23,148.15
    for value in (123456.78, "123456.78", D("123456.78"), " 123456.78 "):
        expect(one({"year": 2020, "expensed_rd": value}), "0.75", "1.75", "92592.59", "23148.15")
    expect(one({"year": 2020, "expensed_rd": 100}), "0.75", "1.75", "75.00", "18.75")


# --- input errors --------------------------------------------------------------------------------------


def errors_of(data) -> list[str]:
    with pytest.raises(SuperdeductionInputError) as caught:
        calculate(data)
    return caught.value.errors


def test_every_error_named_by_item_and_field():
    errors = errors_of(
        [
            {"year": 2021, "expensed_rd": 1},
            {"year": 2007, "expensed_rd": -5, "hte": "是", "capitalised_rd_amortised": True},
            {"expensed_rd": "abc"},
            {"year": 2022, "expensed_rd": 100, "q4_expensed_rd": 101},
            {"year": True, "expensed_rd": "NaN"},
            "2022",
            {"year": 2022, "expensed_rd": 1, "manufactoring": True},
        ]
    )
    assert errors == [
        "第 2 项 year（年度）：2007 年早于企业所得税法施行的第一年（2008 年）",
        "第 2 项 expensed_rd（费用化研发费用）：不能为负数（-5）",
        "第 2 项 capitalised_rd_amortised（无形资产摊销额）：应为金额（元），不能是 true",
        "第 2 项 hte（高新技术企业）：应为 true 或 false",
        "第 3 项 year（年度）：必填",
        "第 3 项 expensed_rd（费用化研发费用）：“abc”不是数字",
        "第 4 项 q4_expensed_rd（10–12月费用化研发费用）：不能大于全年费用化研发费用（100）",
        "第 5 项 year（年度）：应为四位整数年份",
        "第 5 项 expensed_rd（费用化研发费用）：“NaN”不是有限的数字",
        "第 6 项：应为 JSON 对象",
        "第 7 项 manufactoring：不认识的字段（可用：year、manufacturing、kxqy、hte、expensed_rd、"
        "capitalised_rd_amortised、q4_expensed_rd）",
    ]


def test_missing_expensed_rd_and_empty_input():
    assert errors_of({"year": 2021}) == ["第 1 项 expensed_rd（费用化研发费用）：必填"]
    assert errors_of([]) == ["输入为空：应为一个对象或对象数组"]


def test_2008_is_the_first_year():
    expect(one({"year": "2008", "expensed_rd": 2}), "0.50", "1.50", "1.00", "0.25")


# --- the command -----------------------------------------------------------------------------------------

ITEMS = [
    {"year": 2022, "expensed_rd": 1_200_000, "q4_expensed_rd": 300_000},
    {"year": 2022, "expensed_rd": 10.02, "name": "乙公司"},
    {"year": 2017, "kxqy": True, "hte": True, "expensed_rd": 200_000.10, "capitalised_rd_amortised": "80000"},
]
# 2017 科小 高企: 200,000.10 × 0.75 + 80,000 × 0.75 = 150,000.075 + 60,000 = 210,000.075 → 210,000.08;
# tax 15 %: 31,500.012 → 31,500.01
EXPECTED_JSON = """[
  {
    "rate_expensed": 0.8125,
    "rate_capitalised": 1.75,
    "extra_deduction": 975000.00,
    "tax_saving": 243750.00
  },
  {
    "rate_expensed": 0.75,
    "rate_capitalised": 1.75,
    "extra_deduction": 7.52,
    "tax_saving": 1.88
  },
  {
    "rate_expensed": 0.75,
    "rate_capitalised": 1.75,
    "extra_deduction": 210000.08,
    "tax_saving": 31500.01
  }
]"""


def run(*args, stdin=None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("enterprise", "superdeduction", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_json_is_exact(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(ITEMS, ensure_ascii=False), encoding="utf-8")
    out, err = run(str(path), "--json")
    assert out.strip() == EXPECTED_JSON
    parsed = json.loads(out, parse_float=Decimal)
    assert all(isinstance(v, Decimal) for item in parsed for v in item.values())  # numbers, never strings
    assert "第 2 项" in err and "10–12 月" in err


def test_command_single_object_answers_an_object(tmp_path, monkeypatch):
    out, _ = run(
        "-",
        "--json",
        stdin='{"year": 2021, "manufacturing": true, "expensed_rd": 5000}',
        monkeypatch=monkeypatch,
    )
    assert json.loads(out) == {
        "rate_expensed": 1.0,
        "rate_capitalised": 2.0,
        "extra_deduction": 5000.0,
        "tax_saving": 1250.0,
    }
    assert out.strip().startswith("{")


def test_command_reads_stdin_readable(monkeypatch):
    out, err = run("-", stdin=json.dumps(ITEMS), monkeypatch=monkeypatch)
    lines = out.splitlines()
    assert "加计扣除额（元）" in lines[0]
    assert "975,000.00" in lines[1] and "81.25%" in lines[1] and "243,750.00" in lines[1]
    assert "乙公司" in lines[2] and "7.52" in lines[2]
    assert "注意：2022 年按 75% 计算：未提供 10–12 月费用化研发费用" in lines[3]  # in the readable output too
    assert "科小、高企" in lines[4] and "210,000.08" in lines[4] and "31,500.01" in lines[4]
    assert "第 2 项" in err


def test_command_errors_list_every_problem(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        '[{"year": 2021, "expensed_rd": 1}, {"year": 2030, "expensed_rd": -1}, {"expensed_rd": 1}]'
    )
    with pytest.raises(CommandError) as caught:
        run(str(path), "--json")
    message = str(caught.value)
    assert "第 2 项 expensed_rd（费用化研发费用）：不能为负数（-1）" in message
    assert "第 3 项 year（年度）：必填" in message
    not_json = tmp_path / "broken.json"
    not_json.write_text("[{")
    with pytest.raises(CommandError, match="输入不是有效的 JSON"):
        run(str(not_json))


def test_command_exits_non_zero_with_nothing_on_stdout():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    done = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "enterprise", "superdeduction", "-", "--json"],
        input='[{"year": 2021, "expensed_rd": 1}, {"year": "二〇二一", "expensed_rd": false}]',
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert "第 2 项 year（年度）：应为四位整数年份" in done.stderr
    assert "第 2 项 expensed_rd（费用化研发费用）：应为金额（元），不能是 false" in done.stderr


# --- take-up across the district -----------------------------------------------------------------------

YEAR = 2017  # before the demo's data years: only the enterprises made here


def _enterprise(town, name, body, industry="", rd=None, year=YEAR, **quals):
    enterprise = Enterprise.objects.create(
        credit_code=creditcode.build("500154", body),
        name=name,
        town=town,
        industry_code=industry,
        registered_on=date(2010, 1, 1),
    )
    if rd is not None:
        EnterpriseYear.objects.create(enterprise=enterprise, year=year, rd_expense=D(rd))
    for code, (issued, expires) in quals.items():
        Qualification.objects.create(
            enterprise=enterprise,
            kind=QualificationKind.objects.get(code=code),
            issued_on=issued,
            expires_on=expires,
        )
    return enterprise


@pytest.fixture
def district(dept):
    """Three enterprises with 2017 R&D in 汉丰街道 and 镇安镇, and the demo account's own enterprise."""
    hanfeng, zhenan = dept("汉丰街道"), dept("镇安镇")
    # 科小 registered 2017 (valid through 2018-03-31) and 高企 since 2016: 75 %; 1,000,000 → 750,000.00,
    # tax 15 % 112,500.00
    a = _enterprise(
        hanfeng,
        "甲精密制造有限公司",
        "MA5UT001",
        "C3985",
        1_000_000,
        kxqy=(date(2017, 5, 1), date(2018, 3, 31)),
        hte=(date(2016, 11, 1), date(2019, 10, 31)),
    )
    # no qualification: 50 %; 400,000.50 → 200,000.25, tax 25 % 50,000.0625 → 50,000.06
    b = _enterprise(zhenan, "乙软件有限公司", "MA5UT002", "I6513", "400000.50")
    # 科小 of 2016 only (expired 2017-03-31): 50 %; the current version 100,000 → 50,000.00, tax 12,500.00
    c = _enterprise(
        zhenan, "丙新材料有限公司", "MA5UT003", "C2651", None, kxqy=(date(2016, 4, 1), date(2017, 3, 31))
    )
    EnterpriseYear.objects.create(
        enterprise=c, year=YEAR, rd_expense=D(999_999), version=1, superseded_at="2024-01-01T00:00Z"
    )
    EnterpriseYear.objects.create(enterprise=c, year=YEAR, rd_expense=D(100_000), version=2)
    own = samples.qiye_enterprise()
    # the demo enterprise's own 2017: 200,000 → its rate depends on its own qualifications (asserted below)
    EnterpriseYear.objects.create(enterprise=own, year=YEAR, rd_expense=D(200_000))
    return {"a": a, "b": b, "c": c, "own": own, "zhenan": zhenan}


def test_page_as_bureau_shows_the_totals_by_rate(client_as, district):
    response = client_as("kjj").get(f"/enterprises/superdeduction/?year={YEAR}")
    assert response.status_code == 200
    rows = {r.enterprise.name: r for r in response.context["rows"]}
    assert set(rows) == {"甲精密制造有限公司", "乙软件有限公司", "丙新材料有限公司", district["own"].name}
    a, b, c = rows["甲精密制造有限公司"], rows["乙软件有限公司"], rows["丙新材料有限公司"]
    assert (a.manufacturing, a.kxqy, a.hte, a.rate_expensed) == (True, True, True, D("0.75"))
    assert (a.extra_deduction, a.tax_saving) == (D("750000.00"), D("112500.00"))
    assert (b.rate_expensed, b.extra_deduction, b.tax_saving) == (D("0.50"), D("200000.25"), D("50000.06"))
    assert (c.kxqy, c.rd_expense, c.extra_deduction, c.tax_saving) == (
        False,
        D(100_000),
        D("50000.00"),
        D("12500.00"),
    )
    own = rows[district["own"].name]
    summary = response.context["summary"]
    assert summary.total.enterprises == 4
    assert summary.total.rd_expense == D("1700000.50")
    assert summary.total.extra_deduction == D("1000000.25") + own.extra_deduction
    by_rate = {k: (t.enterprises, t.extra_deduction) for k, t in summary.by_rate.items()}
    if own.rate_expensed == D("0.75"):  # 200,000 × 0.75 = 150,000
        assert by_rate == {"0.50": (2, D("250000.25")), "0.75": (2, D("900000.00"))}
    else:  # 200,000 × 0.50 = 100,000
        assert by_rate == {"0.50": (3, D("350000.25")), "0.75": (1, D("750000.00"))}
    html = response.content.decode()
    assert "全部按费用化" in html and "甲精密制造有限公司" in html and "750,000.00" in html


def test_page_filters_by_town_and_rate(client_as, district):
    client = client_as("kjj")
    response = client.get(f"/enterprises/superdeduction/?year={YEAR}&town={district['zhenan'].pk}")
    names = [r.enterprise.name for r in response.context["rows"]]
    assert sorted(names) == sorted(["丙新材料有限公司", "乙软件有限公司"])
    # 200,000.25 + 50,000.00
    assert response.context["summary"].total.extra_deduction == D("250000.25")
    response = client.get(f"/enterprises/superdeduction/?year={YEAR}&rate=0.75&town={district['zhenan'].pk}")
    assert response.context["rows"] == []
    response = client.get(f"/enterprises/superdeduction/?year={YEAR}&rate=0.75")
    assert "甲精密制造有限公司" in [r.enterprise.name for r in response.context["rows"]]
    for bad in ("year=abc", "town=x", "rate=0.6"):
        assert client.get(f"/enterprises/superdeduction/?{bad}").status_code == 400


def test_page_as_the_enterprise_shows_only_its_own(client_as, district):
    response = client_as("qiye").get(f"/enterprises/superdeduction/?year={YEAR}")
    assert response.status_code == 200
    assert [r.enterprise.pk for r in response.context["rows"]] == [district["own"].pk]
    assert response.context["summary"].total.enterprises == 1
    assert "甲精密制造有限公司" not in response.content.decode()
    # a town's reporter: its own town only
    response = client_as("hanfeng").get(f"/enterprises/superdeduction/?year={YEAR}")
    names = {r.enterprise.name for r in response.context["rows"]}
    assert "甲精密制造有限公司" in names and "乙软件有限公司" not in names


def test_default_year_is_the_latest_with_data(client_as):
    latest = (
        EnterpriseYear.objects.filter(superseded_at__isnull=True, rd_expense__gt=0)
        .order_by("-year")
        .first()
        .year
    )
    response = client_as("kjj").get("/enterprises/superdeduction/")
    assert response.context["year"] == latest
    assert response.context["summary"].total.enterprises > 0


def test_export_has_the_page_rows(client_as, district):
    response = client_as("kjj").get(
        f"/enterprises/superdeduction/export.xlsx?year={YEAR}&town={district['zhenan'].pk}"
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "估算加计扣除额（元）" in header
    by_name = {r[header.index("企业名称")]: r for r in rows[1:]}
    assert set(by_name) == {"乙软件有限公司", "丙新材料有限公司"}
    b = by_name["乙软件有限公司"]
    assert b[header.index("估算加计扣除额（元）")] == 200000.25
    assert b[header.index("估算减免税额（元）")] == 50000.06
    assert b[header.index("加计扣除比例")] == 0.5
    qiye = client_as("qiye").get(f"/enterprises/superdeduction/export.xlsx?year={YEAR}")
    names = [
        r[2]
        for r in list(openpyxl.load_workbook(io.BytesIO(qiye.content)).active.iter_rows(values_only=True))[1:]
    ]
    assert names == [district["own"].name]


def test_page_query_count_is_fixed(client_as, dept, district):
    client = client_as("kjj")
    url = f"/enterprises/superdeduction/?year={YEAR}"
    api = f"/api/v1/superdeduction?year={YEAR}"
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as small_api:
        assert client.get(api).status_code == 200
    town = dept("镇安镇")
    for i in range(15):
        _enterprise(
            town,
            f"丁{i}科技有限公司",
            f"MA5UQ{i:03d}",
            "C3985" if i % 2 else "M7320",
            50_000 + i,
            kxqy=(date(2017, 6, 1), date(2018, 3, 31)),
            hte=(date(2017, 11, 1), date(2020, 10, 31)),
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.context["summary"].total.enterprises == 19
    assert len(large.captured_queries) == len(small.captured_queries)
    with CaptureQueriesContext(connection) as large_api:
        assert len(client.get(api).json()["rows"]) == 19
    assert len(large_api.captured_queries) == len(small_api.captured_queries)
    with CaptureQueriesContext(connection) as export:
        assert client.get(f"/enterprises/superdeduction/export.xlsx?year={YEAR}").status_code == 200
    assert len(export.captured_queries) <= len(small.captured_queries)


def test_metric_sums_the_estimate(dept, district):
    result = metrics.evaluate("enterprises.superdeduction_estimated", dept("镇安镇"), Period.parse("2017"))
    # 镇安镇 2017: 乙 200,000.25 + 丙 50,000.00 (and any demo enterprise of 镇安镇 has no 2017 row)
    assert result.value == D("250000.25")
    assert set(result.record_ids) == {district["b"].pk, district["c"].pk}


def test_api_answers_numbers_within_scope(client_as, district):
    response = client_as("kjj").get(f"/api/v1/superdeduction?year={YEAR}&town={district['zhenan'].pk}")
    assert response.status_code == 200
    data = json.loads(response.content, parse_float=Decimal)
    # 乙 200,000.25 (tax 50,000.06) + 丙 50,000.00 (tax 12,500.00)
    assert data["totals"] == {
        "enterprises": 2,
        "rd_expense": D("500000.50"),
        "extra_deduction": D("250000.25"),
        "tax_saving": D("62500.06"),
    }
    assert data["by_rate"] == {"0.50": data["totals"]}
    assert {r["name"] for r in data["rows"]} == {"乙软件有限公司", "丙新材料有限公司"}
    own = json.loads(client_as("qiye").get(f"/api/v1/superdeduction?year={YEAR}").content)
    assert [r["enterprise"] for r in own["rows"]] == [district["own"].pk]
    bad = client_as("kjj").get("/api/v1/superdeduction?rate=2")
    assert bad.status_code == 400 and "适用比例" in bad.json()["detail"]
