"""Eligibility self-checks against hand-computed cases, boundaries included."""

import copy
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from kechuang.enterprises.eligibility import AssessInputError, _growth, assess, wan
from kechuang.enterprises.rules import params_for

pytestmark = pytest.mark.django_db

BASE = {
    "as_of": "2024-06-30",
    "registered_on": "2019-03-01",
    "field": "电子信息",
    "employees": 120,
    "st_staff": 18,
    "total_assets": 80_000_000,
    "years": [
        {
            "year": 2021,
            "sales": 30_000_000,
            "total_income": 31_000_000,
            "total_cost": 27_000_000,
            "rd_expense": 1_200_000,
            "rd_domestic": 1_200_000,
            "net_assets": 10_000_000,
            "hightech_income": 20_000_000,
        },
        {
            "year": 2022,
            "sales": 36_000_000,
            "total_income": 37_000_000,
            "total_cost": 32_000_000,
            "rd_expense": 1_500_000,
            "rd_domestic": 1_400_000,
            "net_assets": 12_000_000,
            "hightech_income": 25_000_000,
        },
        {
            "year": 2023,
            "sales": 45_000_000,
            "total_income": 46_000_000,
            "total_cost": 40_000_000,
            "rd_expense": 2_000_000,
            "rd_domestic": 1_900_000,
            "net_assets": 15_000_000,
            "hightech_income": 30_000_000,
        },
    ],
    "ip": {"class1": 0, "class2": 3, "self_developed": True},
    "conversions": 7,
    "direct": {
        "hte_valid": False,
        "national_award_top3": False,
        "provincial_rd_institution": False,
        "led_standard": False,
    },
    "incidents": False,
}


def case(**changes):
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key.startswith("y"):  # y2023__sales=…
            year, name = key[1:].split("__")
            next(y for y in data["years"] if y["year"] == int(year))[name] = value
        elif "__" in key:
            outer, inner = key.split("__")
            data[outer][inner] = value
        else:
            data[key] = value
    return data


def kxqy(data):
    return assess("kxqy", data, params_for("kxqy", data_date(data)))


def gqrd(data):
    return assess("gqrd", data, params_for("gqrd", data_date(data)))


def data_date(data):
    from datetime import date

    return date.fromisoformat(data["as_of"])


# --- 科技型中小企业 --------------------------------------------------------------------------------


def test_kxqy_hand_computed_case():
    result = kxqy(BASE)
    # staff 18/120 = 15 % → 8; R&D 2.0/45 = 4.44 % of sales → 30 (2.0/40 = 5 % of cost → 0); 3 class-II IP → 18
    assert result["items"] == {"st_staff": 8, "rd": 30, "ip": 18}
    assert result["score"] == 56 and result["eligible"] is False and result["failed"] == ["score"]
    assert "研发费用需增加 25万元" in " ".join(result["hints"])
    assert "需再增加 8 名科技人员" in " ".join(result["hints"])


def test_kxqy_exactly_sixty_points_passes():
    result = kxqy(case(st_staff=24))  # 24/120 = 20 % → 12; 12 + 30 + 18 = 60
    assert result["score"] == 60 and result["eligible"] is True and result["failed"] == []


def test_kxqy_rd_item_takes_the_better_ratio():
    result = kxqy(case(y2023__total_cost=8_000_000))  # 2.0/8.0 = 25 % of cost → 40 beats 30
    assert result["items"]["rd"] == 40


def test_kxqy_exactly_ten_percent_staff_scores_four_not_zero():
    result = kxqy(case(st_staff=12))
    assert result["items"]["st_staff"] == 4 and "st_staff_zero" not in result["failed"]
    result = kxqy(case(st_staff=11))
    assert result["items"]["st_staff"] == 0 and "st_staff_zero" in result["failed"]


def test_kxqy_size_limits_are_inclusive():
    at_limit = kxqy(case(y2023__sales=200_000_000, total_assets=200_000_000, employees=500))
    assert not {"sales", "assets", "employees"} & set(at_limit["failed"])
    over = kxqy(case(y2023__sales=200_000_001, total_assets=200_000_000.01, employees=501))
    assert {"sales", "assets", "employees"} <= set(over["failed"])


def test_kxqy_class1_ip_scores_thirty():
    assert kxqy(case(ip__class1=1, ip__class2=0))["items"]["ip"] == 30
    assert kxqy(case(ip__class2=4))["items"]["ip"] == 24
    assert kxqy(case(ip__class2=0))["items"]["ip"] == 0


def test_kxqy_direct_route_skips_the_score_but_not_the_conditions():
    low = case(st_staff=0, ip__class2=0)
    low["direct"]["hte_valid"] = True
    result = kxqy(low)
    assert result["eligible"] is True and result["direct"] is True and result["score"] == 30
    low["incidents"] = True
    result = kxqy(low)
    assert result["eligible"] is False and result["failed"] == ["incidents"] and result["direct"] is False


# --- 高新技术企业 -------------------------------------------------------------------------------------


def test_gqrd_hand_computed_case():
    result = gqrd(BASE)
    assert result["failed"] == ["rd_ratio"] and result["eligible_hard"] is False
    assert result["rd_ratio"] == pytest.approx(4_700_000 / 111_000_000, abs=1e-6)
    assert result["rd_threshold"] == 0.05  # latest sales 4,500万 ≤ 5,000万
    assert result["st_staff_ratio"] == 0.15
    assert result["hightech_ratio"] == pytest.approx(30 / 46, abs=1e-6)
    assert result["domestic_rd_ratio"] == pytest.approx(4.5 / 4.7, abs=1e-6)
    assert result["growth"] == {"net_assets": 0.225, "sales": 0.225}  # ½(1.2 + 1.25) − 1
    assert result["score_range"] == {
        "ip_quantity": [3, 4],
        "conversion": [7, 12],
        "growth_net_assets": [5, 6],
        "growth_sales": [5, 6],
    }
    assert "研发费用需增加 85万元" in result["hints"][0]  # 5 % × 11,100万 − 470万


@pytest.mark.parametrize(
    "latest_sales, threshold",
    [(50_000_000, 0.05), (50_000_001, 0.04), (200_000_000, 0.04), (200_000_001, 0.03)],
)
def test_gqrd_rd_band_follows_the_latest_year_revenue(latest_sales, threshold):
    assert gqrd(case(y2023__sales=latest_sales))["rd_threshold"] == threshold


def test_gqrd_rd_ratio_exactly_at_threshold_passes():
    # three-year sales 11,100万 → 5 % is 555万; the years' R&D sums to exactly that
    result = gqrd(case(y2023__rd_expense=2_850_000, y2023__rd_domestic=2_850_000))
    assert result["rd_ratio"] == 0.05 and "rd_ratio" not in result["failed"]


def test_gqrd_exactly_ten_percent_staff_passes():
    assert "st_staff_ratio" not in gqrd(case(st_staff=12))["failed"]
    result = gqrd(case(st_staff=11))
    assert "st_staff_ratio" in result["failed"]
    assert "需再增加 2 名科技人员" in " ".join(result["hints"])  # 12/121 < 10 % ≤ 13/122


def test_gqrd_hightech_and_domestic_shares():
    result = gqrd(case(y2023__hightech_income=27_600_000))  # exactly 60 % of 4,600万
    assert "hightech_income" not in result["failed"]
    result = gqrd(case(y2023__hightech_income=27_599_999))
    assert "hightech_income" in result["failed"]
    result = gqrd(case(y2021__rd_domestic=0, y2022__rd_domestic=0, y2023__rd_domestic=2_000_000))
    assert "rd_domestic" in result["failed"]  # 200 / 470 < 60 %


def test_gqrd_registered_one_year_means_the_same_date_a_year_later():
    assert "registered_1y" not in gqrd(case(registered_on="2023-06-30"))["failed"]
    assert "registered_1y" in gqrd(case(registered_on="2023-07-01"))["failed"]
    assert "registered_1y" not in gqrd(case(registered_on="2020-02-29", as_of="2021-02-28"))["failed"]


def test_gqrd_other_hard_conditions():
    result = gqrd(case(field="区块链", ip__class2=0, incidents=True))
    assert {"field", "ip_owned", "incidents"} <= set(result["failed"])


@pytest.mark.parametrize(
    "values, expected",
    [
        ([10, 12, 15], Decimal("0.225")),
        ([0, 20, 30], Decimal("0.5")),  # zero first year: x3 / x2 − 1
        ([10, 0, 30], None),  # zero second year: no growth, 0 points
        ([-5, 20, 30], Decimal("0.5")),  # negative counts as 0
        ([10, 20], Decimal("1")),  # two years of operation
        ([10], None),
    ],
)
def test_growth_formula_special_cases(values, expected):
    from fractions import Fraction

    growth = _growth([Fraction(v) for v in values])
    assert (None if growth is None else Decimal(growth.numerator) / Decimal(growth.denominator)) == expected


def test_growth_points_zero_second_year_and_bands():
    result = gqrd(case(y2021__net_assets=10_000_000, y2022__net_assets=0, y2023__net_assets=30_000_000))
    assert result["growth"]["net_assets"] is None and result["score_range"]["growth_net_assets"] == [0, 0]
    result = gqrd(case(y2021__sales=40_000_000, y2022__sales=36_000_000))  # ½(0.9 + 1.25) − 1 = 7.5 %
    assert result["score_range"]["growth_sales"] == [3, 4]
    result = gqrd(case(y2021__sales=45_000_000, y2022__sales=45_000_000))  # growth exactly 0 → F
    assert result["growth"]["sales"] == 0 and result["score_range"]["growth_sales"] == [0, 0]


def test_conversions_are_averaged_over_three_years():
    assert gqrd(case(conversions=15))["score_range"]["conversion"] == [25, 30]
    assert gqrd(case(conversions=14))["score_range"]["conversion"] == [19, 24]
    assert gqrd(case(conversions=2))["score_range"]["conversion"] == [0, 0]


def test_expert_items_narrow_the_total_range():
    data = case()
    data["expert"] = {
        "tech_advancement": 6,
        "core_support": 6,
        "ip_acquisition": 5,
        "standards": 0,
        "rd_management": 15,
    }
    lo, hi = gqrd(data)["score_total_range"]
    assert (lo, hi) == (3 + 6 + 6 + 5 + 0 + 7 + 5 + 5 + 15, 4 + 6 + 6 + 5 + 0 + 12 + 6 + 6 + 15)


def test_wan_rounds_a_shortfall_up():
    from fractions import Fraction

    assert wan(Fraction(382_000)) == "38.2万元"
    assert wan(Fraction(382_001)) == "38.21万元"


# --- input errors and the command line ------------------------------------------------------------


def test_bad_input_names_every_field():
    data = case(employees=-3, st_staff="十八")
    data["years"][1]["sales"] = "三千万"
    data["years"][2]["year"] = 2022
    del data["as_of"]
    with pytest.raises(AssessInputError) as info:
        assess("kxqy", data, params_for("kxqy", data_date(BASE)))
    text = "；".join(info.value.errors)
    for expected in [
        "as_of: 必填",
        "employees: “-3”应为非负整数",
        "st_staff: “十八”应为非负整数",
        "years[1].sales: “三千万”不是金额",
        "years[2].year: 年度 2022 重复",
    ]:
        assert expected in text


def test_assess_command_json_and_errors(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("enterprise", "assess", "--rules", "kxqy", str(path), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) >= {"eligible", "score", "items", "direct", "failed"} and result["score"] == 56
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps([BASE, case(st_staff=24)]), encoding="utf-8")
    out = io.StringIO()
    call_command("enterprise", "assess", "--rules", "gqrd", str(batch), "--json", stdout=out)
    results = json.loads(out.getvalue())
    assert len(results) == 2 and set(results[0]) >= {
        "eligible_hard",
        "failed",
        "rd_ratio",
        "rd_threshold",
        "st_staff_ratio",
        "hightech_ratio",
        "domestic_rd_ratio",
        "growth",
        "score_range",
    }
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="输入不是有效的 JSON"):
        call_command("enterprise", "assess", "--rules", "kxqy", str(bad))
    bad.write_text(json.dumps([BASE, case(employees="很多")], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 家企业：employees"):
        call_command("enterprise", "assess", "--rules", "kxqy", str(bad))
