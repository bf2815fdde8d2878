"""The figures of a review round, against values worked out by hand (the arithmetic is in the comments)."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.reviews.aggregate import (
    Criterion,
    Expert,
    Item,
    ReviewInputError,
    Sheet,
    aggregate,
    round_from_data,
    round_half_up,
)

# One criterion of weight 1 out of 100: a sheet's total is its score.
PLAIN = [Criterion("score", 1, 100)]


def sheets(*rows):
    """(expert, item, total) rows as sheets of the one PLAIN criterion."""
    return [Sheet(e, i, {"score": t}) for e, i, t in rows]


def experts(*ids, organisation=""):
    return [Expert(i, organisation) for i in ids]


def items(*ids):
    return [Item(i) for i in ids]


def by_id(result):
    return {r.id: r for r in result.items}


def errors_of(**parts):
    round_ = {
        "criteria": PLAIN,
        "experts": experts("E1"),
        "items": items("P1"),
        "sheets": sheets(("E1", "P1", 50)),
    }
    round_.update(parts)
    with pytest.raises(ReviewInputError) as caught:
        aggregate(round_["criteria"], round_["experts"], round_["items"], round_["sheets"])
    return caught.value.errors


# --- totals -----------------------------------------------------------------------------------------------


def test_a_total_is_the_weighted_share_of_each_maximum_times_100():
    criteria = [Criterion("a", 0.5, 10), Criterion("b", 0.3, 10), Criterion("c", 0.2, 5)]
    result = aggregate(criteria, experts("E1"), items(1), [Sheet("E1", 1, {"a": 7, "b": 9, "c": 3.5})])
    # 0.5 × 7/10 × 100 = 35; 0.3 × 9/10 × 100 = 27; 0.2 × 3.5/5 × 100 = 14; 35 + 27 + 14 = 76
    assert result.totals[("E1", 1)] == 76
    assert by_id(result)[1].mean == 76


def test_totals_are_exact_fractions_and_decimal_weights_sum_to_exactly_one():
    # 0.1 + 0.2 + 0.7 is not 1 in binary floating point; read as decimals it is
    criteria = [Criterion("a", 0.1, 10), Criterion("b", 0.2, 10), Criterion("c", 0.7, 3)]
    result = aggregate(criteria, experts("E1"), items(1), [Sheet("E1", 1, {"a": 10, "b": 5, "c": 1})])
    # 0.1 × 10/10 × 100 = 10; 0.2 × 5/10 × 100 = 10; 0.7 × 1/3 × 100 = 70/3; total 20 + 70/3 = 130/3
    assert result.totals[("E1", 1)] == Fraction(130, 3)
    assert result.as_data()["items"][0]["mean"] == 43.3333  # 43.3333…


def test_weights_within_one_billionth_of_one_are_accepted_beyond_it_refused():
    near = [Criterion("a", 0.5, 10), Criterion("b", 0.5000000009, 10)]  # sum 1.0000000009
    assert aggregate(near, experts("E1"), items(1), [Sheet("E1", 1, {"a": 10, "b": 10})]).items[0].n == 1
    far = [Criterion("a", 0.5, 10), Criterion("b", 0.500000002, 10)]  # sum 1.000000002
    with pytest.raises(ReviewInputError) as caught:
        aggregate(far, experts("E1"), items(1), [Sheet("E1", 1, {"a": 10, "b": 10})])
    assert caught.value.errors == ["各评分项权重之和应为 1（现为 1.000000002）。"]


# --- means ------------------------------------------------------------------------------------------------


def test_five_sheets_drop_the_highest_and_the_lowest_for_the_trimmed_mean():
    result = aggregate(
        PLAIN,
        experts("A", "B", "C", "D", "E"),
        items(1),
        sheets(("A", 1, 40), ("B", 1, 70), ("C", 1, 71), ("D", 1, 72), ("E", 1, 100)),
    )
    item = by_id(result)[1]
    # mean (40 + 70 + 71 + 72 + 100) / 5 = 353 / 5 = 70.6; trimmed (70 + 71 + 72) / 3 = 71; spread 100 − 40
    assert (item.n, item.mean, item.trimmed, item.spread) == (5, Fraction(706, 10), 71, 60)


def test_four_sheets_keep_every_total_in_the_trimmed_mean():
    result = aggregate(
        PLAIN,
        experts("A", "B", "C", "D"),
        items(1),
        sheets(("A", 1, 40), ("B", 1, 70), ("C", 1, 71), ("D", 1, 100)),
    )
    item = by_id(result)[1]
    # (40 + 70 + 71 + 100) / 4 = 281 / 4 = 70.25 — not (70 + 71) / 2 = 70.5
    assert item.mean == item.trimmed == Fraction(281, 4)


def test_the_trimmed_mean_drops_only_one_of_equal_extremes():
    result = aggregate(
        PLAIN,
        experts("A", "B", "C", "D", "E", "F"),
        items(1),
        sheets(("A", 1, 90), ("B", 1, 90), ("C", 1, 60), ("D", 1, 60), ("E", 1, 70), ("F", 1, 80)),
    )
    # sorted 60 60 70 80 90 90 → drop one 60 and one 90: (60 + 70 + 80 + 90) / 4 = 75
    assert by_id(result)[1].trimmed == 75


# --- z-scores ---------------------------------------------------------------------------------------------


def zscore_round(method="trimmed"):
    # A: X 80, Y 60, Z 70 — mean 70, deviations +10 −10 0, variance (100 + 100 + 0) / 3 = 200/3,
    #    std √(200/3) = 8.164966; z X = 10 / 8.164966 = 1.224745 (= √1.5), Y −1.224745, Z 0
    # B: X 90 only — one counted sheet, z 0
    # C: X 50, Y 50 — deviation 0, z 0 on both
    # D: Y 90, Z 70 — mean 80, std √((100 + 100) / 2) = 10; z Y +1, Z −1
    return aggregate(
        PLAIN,
        experts("A", "B", "C", "D"),
        items("X", "Y", "Z"),
        sheets(
            ("A", "X", 80),
            ("A", "Y", 60),
            ("A", "Z", 70),
            ("B", "X", 90),
            ("C", "X", 50),
            ("C", "Y", 50),
            ("D", "Y", 90),
            ("D", "Z", 70),
        ),  # fmt: skip
        method=method,
    )


def test_z_scores_standardise_each_expert_by_their_own_mean_and_population_deviation():
    result = zscore_round()
    assert result.experts["A"].mean == 70 and result.experts["A"].variance == Fraction(200, 3)
    assert result.experts["D"].mean == 80 and result.experts["D"].variance == 100
    assert float(result.zscores[("A", "X")]) == pytest.approx(math.sqrt(1.5), abs=1e-15)
    assert float(result.zscores[("A", "Y")]) == pytest.approx(-math.sqrt(1.5), abs=1e-15)
    assert result.zscores[("A", "Z")] == 0
    assert result.zscores[("B", "X")] == 0  # one sheet
    assert result.zscores[("C", "X")] == result.zscores[("C", "Y")] == 0  # no deviation
    assert (result.zscores[("D", "Y")], result.zscores[("D", "Z")]) == (1, -1)


def test_an_items_z_score_is_the_mean_of_its_sheets_z_scores():
    result = zscore_round()
    figures = {row["id"]: row["zscore"] for row in result.as_data()["items"]}
    # X: (1.224745 + 0 + 0) / 3 = 0.408248 → 0.4082
    # Y: (−1.224745 + 0 + 1) / 3 = −0.074915 → −0.0749
    # Z: (0 − 1) / 2 = −0.5
    assert figures == {"X": 0.4082, "Y": -0.0749, "Z": -0.5}


def test_the_method_decides_the_ranking():
    # means: X (80 + 90 + 50) / 3 = 73.33, Y (60 + 50 + 90) / 3 = 66.67, Z (70 + 70) / 2 = 70
    assert [r.id for r in zscore_round("mean").items] == ["X", "Z", "Y"]
    assert [r.id for r in zscore_round("trimmed").items] == ["X", "Z", "Y"]  # fewer than 5: the means
    # z: X 0.4082, Y −0.0749, Z −0.5
    assert [r.id for r in zscore_round("zscore").items] == ["X", "Y", "Z"]
    assert [r.rank for r in zscore_round("zscore").items] == [1, 2, 3]


def test_equal_z_scores_are_ranked_by_the_plain_mean():
    # every expert has a single sheet, so every z is 0: the means decide (X 70, Y 80, Z 80 → then the id)
    result = aggregate(
        PLAIN,
        experts("A", "B", "C"),
        items("X", "Y", "Z"),
        sheets(("A", "X", 70), ("B", "Z", 80), ("C", "Y", 80)),
        method="zscore",
    )
    assert [(r.id, r.zscore, r.rank) for r in result.items] == [("Y", 0, 1), ("Z", 0, 2), ("X", 0, 3)]


def test_z_scores_equal_to_12_decimals_tie():
    from kechuang.reviews.aggregate import ItemResult, _rank_key

    def item(id_, z, mean):
        return ItemResult(id_, 1, Fraction(mean), Fraction(mean), Decimal(z), Fraction(0), False, None)

    close = [item(1, "0.5000000000001", 60), item(2, "0.50000000000014", 70)]  # both 0.500000000000 to 12
    assert [r.id for r in sorted(close, key=lambda r: _rank_key(r, "zscore"))] == [2, 1]  # by the mean
    apart = [item(1, "0.500000000002", 60), item(2, "0.500000000001", 70)]  # differ in the 12th decimal
    assert [r.id for r in sorted(apart, key=lambda r: _rank_key(r, "zscore"))] == [1, 2]


# --- conflicts --------------------------------------------------------------------------------------------


def test_the_same_organisation_in_full_width_letters_with_spaces_around_is_a_conflict():
    result = aggregate(
        PLAIN,
        [Expert("A", "重庆ＡＢＣ研究院"), Expert("B", "\u3000开州区科技局 "), Expert("C", "西南大学")],
        [Item(1, organisations=("  重庆ABC研究院 ",)), Item(2, organisations=("其他单位", "开州区科技局"))],
        sheets(("A", 1, 10), ("A", 2, 70), ("B", 1, 80), ("B", 2, 99), ("C", 1, 60), ("C", 2, 30)),
    )
    assert [(e.expert, e.item, e.reason) for e in result.excluded] == [
        ("A", 1, "same_organisation"),
        ("B", 2, "same_organisation"),
    ]
    one, two = by_id(result)[1], by_id(result)[2]
    # item 1 counts B 80 and C 60: n 2, mean 70, spread 20; item 2 counts A 70 and C 30: mean 50, spread 40
    assert (one.n, one.mean, one.spread) == (2, 70, 20)
    assert (two.n, two.mean, two.spread) == (2, 50, 40)
    # each expert's z-scores use only their counted sheets: A has one (item 2), B one (item 1) → 0
    assert result.zscores[("A", 2)] == 0 and ("A", 1) not in result.zscores
    assert result.experts["A"].n == 1


def test_a_declared_conflict_excludes_the_sheet_and_the_same_organisation_wins_when_both_apply():
    result = aggregate(
        PLAIN,
        [Expert("A", "开州区科技局"), Expert("B", "西南大学"), Expert("C", "重庆大学")],
        [Item(1, organisations=("开州区科技局",), conflicts=("A", "B")), Item(2, conflicts=("C",))],
        sheets(("C", 2, 55), ("A", 1, 90), ("B", 1, 40), ("C", 1, 75), ("A", 2, 65)),
    )
    # in the order of the sheets given
    assert [(e.expert, e.item, e.reason) for e in result.excluded] == [
        ("C", 2, "declared_conflict"),
        ("A", 1, "same_organisation"),
        ("B", 1, "declared_conflict"),
    ]
    assert by_id(result)[1].mean == 75 and by_id(result)[2].mean == 65


def test_an_empty_organisation_never_matches():
    result = aggregate(
        PLAIN,
        [Expert("A", ""), Expert("B", "  "), Expert("C")],
        [Item(1, organisations=("", " ", "\u3000"))],
        sheets(("A", 1, 50), ("B", 1, 60), ("C", 1, 70)),
    )
    assert result.excluded == () and by_id(result)[1].n == 3


def test_an_id_must_match_in_type_as_well():
    # the item's conflict names the expert 1, the expert is "1": not the same expert — refused, not ignored
    with pytest.raises(ReviewInputError) as caught:
        aggregate(PLAIN, [Expert("1")], [Item(1, conflicts=(1,))], [Sheet("1", 1, {"score": 50})])
    assert caught.value.errors == ["评审项目“1”的回避专家“1”不在本轮专家名单中。"]


# --- ranking ----------------------------------------------------------------------------------------------


def test_equal_trimmed_means_are_ranked_by_the_plain_mean():
    result = aggregate(
        PLAIN,
        experts("A", "B", "C", "D", "E"),
        items("P", "Q", "R"),
        sheets(
            ("A", "P", 10),
            ("B", "P", 50),
            ("C", "P", 60),
            ("D", "P", 70),
            ("E", "P", 100),
            ("A", "Q", 0),
            ("B", "Q", 55),
            ("C", "Q", 60),
            ("D", "Q", 65),
            ("E", "Q", 100),
            ("A", "R", 60),
            ("B", "R", 60),
            ("C", "R", 60),
        ),  # fmt: skip
    )
    # trimmed: P (50 + 60 + 70) / 3 = 60, Q (55 + 60 + 65) / 3 = 60, R 60 — all equal
    # mean: P 290 / 5 = 58, Q 280 / 5 = 56, R 60 → R, P, Q
    assert [(r.id, r.trimmed, r.mean, r.rank) for r in result.items] == [
        ("R", 60, 60, 1),
        ("P", 60, 58, 2),
        ("Q", 60, 56, 3),
    ]


def test_equal_figures_are_ranked_by_id_numbers_by_value_then_strings():
    result = aggregate(
        PLAIN,
        experts("A"),
        items("b10", 10, "b9", 2),
        sheets(("A", "b10", 60), ("A", 10, 60), ("A", "b9", 60), ("A", 2, 60)),
    )
    # every figure is equal: 2 before 10 (as numbers), then "b10" before "b9" (as text); no shared ranks
    assert [(r.id, r.rank) for r in result.items] == [(2, 1), (10, 2), ("b10", 3), ("b9", 4)]


def test_mathematically_equal_totals_tie_exactly():
    criteria = [Criterion("a", 0.1, 1), Criterion("b", 0.2, 1), Criterion("c", 0.7, 7)]
    result = aggregate(
        criteria,
        experts("A"),
        items(2, 1),
        [Sheet("A", 2, {"a": 1, "b": 1, "c": 0}), Sheet("A", 1, {"a": 0, "b": 0, "c": 3})],
    )
    # item 2: (0.1 + 0.2) × 100 = 30 (in floats 30.000000000000004); item 1: 0.7 × 3/7 × 100 = 30
    # (in floats 29.999999999999996). Equal, so the id decides: 1 before 2.
    assert result.totals[("A", 2)] == result.totals[("A", 1)] == 30
    assert [r.id for r in result.items] == [1, 2]


def test_items_without_a_counted_sheet_are_unranked_and_last_in_id_order():
    result = aggregate(
        PLAIN,
        [Expert("A"), Expert("B", "同一单位")],
        [Item("b"), Item(5), Item(7), Item(3, organisations=("同一单位",)), Item("a")],
        sheets(("B", 3, 90), ("A", 7, 40)),
    )
    # item 3's one sheet is excluded (same organisation): it has no counted sheet either
    assert [(r.id, r.rank) for r in result.items] == [(7, 1), (3, None), (5, None), ("a", None), ("b", None)]
    assert result.as_data()["items"][1] == {
        "id": 3,
        "n": 0,
        "mean": None,
        "trimmed": None,
        "zscore": None,
        "spread": None,
        "disagreement": False,
        "rank": None,
    }


# --- disagreement -----------------------------------------------------------------------------------------


def spread_of(high, threshold=20):
    result = aggregate(
        PLAIN, experts("A", "B"), items(1), sheets(("A", 1, 60), ("B", 1, high)), threshold=threshold
    )
    return result.items[0].spread, result.items[0].disagreement


def test_a_spread_of_exactly_the_threshold_is_no_disagreement_just_above_it_is():
    assert spread_of(80) == (20, False)  # 80 − 60 = 20, not more than 20
    assert spread_of(80.0001) == (Fraction("20.0001"), True)
    assert spread_of(75, threshold=15) == (15, False)
    assert spread_of(75, threshold=Fraction("14.99")) == (15, True)


def test_one_sheet_has_no_spread_to_disagree_on():
    result = aggregate(PLAIN, experts("A"), items(1), sheets(("A", 1, 0)), threshold=0)
    assert (result.items[0].spread, result.items[0].disagreement) == (0, False)


# --- rounding ---------------------------------------------------------------------------------------------


def test_figures_are_rounded_to_four_decimals_half_up():
    result = aggregate(PLAIN, experts("A", "B"), items(1), sheets(("A", 1, 80.00005), ("B", 1, 80.00005)))
    # 80.00005 is half way: half up gives 80.0001 (half to even would give 80.0)
    assert result.as_data()["items"][0]["mean"] == 80.0001
    assert round_half_up(Fraction(-1, 20000)) == Decimal("-0.0001")
    assert round_half_up(Fraction(1, 3)) == Decimal("0.3333")
    assert str(round_half_up(Fraction(-1, 30000))) == "0.0000"  # no negative zero


# --- validation -------------------------------------------------------------------------------------------


def test_a_missing_criterion_names_expert_item_and_criterion():
    criteria = [Criterion("创新性", 0.5, 10), Criterion("可行性", 0.5, 10)]
    assert errors_of(criteria=criteria, sheets=[Sheet("E1", "P1", {"创新性": 8})]) == [
        "专家“E1”对评审项目“P1”的评分表缺少评分项“可行性”的得分。"
    ]


def test_a_score_outside_zero_to_maximum_is_refused():
    assert errors_of(sheets=sheets(("E1", "P1", 100.5))) == [
        "专家“E1”对评审项目“P1”的评分表中评分项“score”的得分 100.5 超出 0–100 的范围。"
    ]
    assert errors_of(sheets=sheets(("E1", "P1", -1))) == [
        "专家“E1”对评审项目“P1”的评分表中评分项“score”的得分 -1 超出 0–100 的范围。"
    ]
    # the bounds themselves are allowed
    for edge in (0, 100):
        assert aggregate(PLAIN, experts("E1"), items("P1"), sheets(("E1", "P1", edge))).items[0].mean == edge


@pytest.mark.parametrize(
    "value, written",
    [
        ("8", "8"),
        (None, "null"),
        (True, "true"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        ([8], "[8]"),
    ],
)
def test_a_score_that_is_not_a_number_is_refused(value, written):
    assert errors_of(sheets=sheets(("E1", "P1", value))) == [
        f"专家“E1”对评审项目“P1”的评分表中评分项“score”的得分“{written}”不是数字。"
    ]


def test_a_criterion_the_round_does_not_have_is_refused():
    assert errors_of(sheets=[Sheet("E1", "P1", {"score": 50, "额外": 3})]) == [
        "专家“E1”对评审项目“P1”的评分表含有本轮没有的评分项“额外”。"
    ]


def test_an_unknown_expert_or_item_is_refused():
    assert errors_of(sheets=sheets(("E9", "P1", 50))) == [
        "专家“E9”对评审项目“P1”的评分表：专家“E9”不在本轮专家名单中。"
    ]
    assert errors_of(sheets=sheets(("E1", "P9", 50))) == [
        "专家“E1”对评审项目“P9”的评分表：评审项目“P9”不在本轮评审项目中。"
    ]


def test_a_declared_conflict_naming_no_expert_of_the_round_is_refused():
    from kechuang.reviews.aggregate import Item

    assert errors_of(items=[Item("P1", (), ("E9",))]) == ["评审项目“P1”的回避专家“E9”不在本轮专家名单中。"]


def test_two_sheets_of_one_expert_for_one_item_are_refused():
    assert errors_of(sheets=sheets(("E1", "P1", 50), ("E1", "P1", 60))) == [
        "专家“E1”对评审项目“P1”有两份评分表。"
    ]


def test_criteria_need_a_positive_maximum_and_a_weight_not_below_zero():
    assert errors_of(criteria=[Criterion("score", 1, 0)], sheets=[]) == [
        "评分项“score”的满分必须大于 0（现为 0）。"
    ]
    assert errors_of(criteria=[Criterion("a", -0.5, 10), Criterion("b", 1.5, 10)], sheets=[]) == [
        "评分项“a”的权重不能为负数（现为 -0.5）。"
    ]
    assert errors_of(criteria=[Criterion("a", "一半", 10)], sheets=[]) == ["评分项“a”的权重“一半”不是数字。"]
    # a weight of 0 is allowed
    zero = [Criterion("a", 0, 10), Criterion("b", 1, 10)]
    assert (
        aggregate(zero, experts("E1"), items(1), [Sheet("E1", 1, {"a": 3, "b": 5})]).totals[("E1", 1)] == 50
    )


def test_weights_must_sum_to_one():
    assert errors_of(criteria=[Criterion("a", 0.5, 10), Criterion("b", 0.4, 10)], sheets=[]) == [
        "各评分项权重之和应为 1（现为 0.9）。"
    ]


def test_duplicate_ids_are_refused():
    assert errors_of(criteria=[Criterion("score", 0.5, 100), Criterion("score", 0.5, 100)], sheets=[]) == [
        "评分项“score”重复出现。"
    ]
    assert errors_of(experts=experts("E1", "E1")) == ["专家“E1”重复出现。"]
    assert errors_of(items=items("P1", "P2", "P1")) == ["评审项目“P1”重复出现。"]


def test_every_problem_is_reported_at_once():
    assert len(errors_of(experts=experts("E1", "E1"), sheets=sheets(("E2", "P1", 101)))) == 3


def test_the_files_shape_is_checked():
    with pytest.raises(ReviewInputError) as caught:
        round_from_data({"criteria": [], "experts": {}, "items": [{"id": 1.5}]})
    assert caught.value.errors == ["“experts”应为数组。", "输入缺少“scores”。"]
    with pytest.raises(ReviewInputError) as caught:
        round_from_data(
            {
                "criteria": [{"key": "", "weight": 1}],
                "experts": [{"id": True}],
                "items": [{"id": 1, "organisations": "单位", "conflicts": [None]}],
                "scores": [{"expert": "E1", "item": 1, "scores": [1]}, 7],
            }
        )
    assert caught.value.errors == [
        "“criteria”第 1 项的“key”应为非空字符串。",
        "“criteria”第 1 项缺少“max”。",
        "“experts”第 1 项的“id”应为整数或非空字符串。",
        "“items”第 1 项的“conflicts”应为专家编号的数组。",
        "“items”第 1 项的“organisations”应为字符串数组。",
        "“scores”第 1 项的“scores”应为 JSON 对象（评分项 → 得分）。",
        "“scores”第 2 项应为 JSON 对象。",
    ]


# --- properties -------------------------------------------------------------------------------------------

ORGANISATIONS = ["", " ", "开州区科技局", "开州区科技局　", "ＡＢＣ公司", "ABC公司", "西南大学"]
IDS = [1, 2, 10, "1", "a", "a10", "a9"]


@st.composite
def rounds(draw):
    expert_ids = draw(
        st.lists(st.sampled_from(IDS), min_size=1, max_size=6, unique_by=lambda v: (type(v), v))
    )
    item_ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=6, unique_by=lambda v: (type(v), v)))
    expert_list = [Expert(e, draw(st.sampled_from(ORGANISATIONS))) for e in expert_ids]
    item_list = [
        Item(
            i,
            tuple(draw(st.lists(st.sampled_from(ORGANISATIONS), max_size=2))),
            tuple(draw(st.lists(st.sampled_from(expert_ids), max_size=2))),
        )
        for i in item_ids
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(expert_ids), st.sampled_from(item_ids)),
            unique_by=lambda p: ((type(p[0]), p[0]), (type(p[1]), p[1])),
            max_size=20,
        )
    )
    score = st.integers(0, 10) | st.sampled_from([2.5, 7.25, 9.75])
    sheet_list = [Sheet(e, i, {"a": draw(score), "b": draw(score)}) for e, i in pairs]
    return expert_list, item_list, sheet_list


CRITERIA = [Criterion("a", 0.6, 10), Criterion("b", 0.4, 10)]


@settings(max_examples=150, deadline=None)
@given(rounds(), st.sampled_from(["trimmed", "zscore", "mean"]), st.randoms(use_true_random=False))
def test_the_order_of_the_input_never_changes_the_figures(round_, method, random):
    expert_list, item_list, sheet_list = round_
    first = aggregate(CRITERIA, expert_list, item_list, sheet_list, method=method).as_data()
    shuffled_sheets, shuffled_items, shuffled_experts = list(sheet_list), list(item_list), list(expert_list)
    random.shuffle(shuffled_sheets)
    random.shuffle(shuffled_items)
    random.shuffle(shuffled_experts)
    again = aggregate(
        CRITERIA[::-1], shuffled_experts, shuffled_items, shuffled_sheets, method=method
    ).as_data()
    assert again["items"] == first["items"]
    # the exclusions are the same, listed in the order of the sheets as given
    order = [(s.expert, s.item) for s in shuffled_sheets]
    assert sorted(again["excluded"], key=lambda e: order.index((e["expert"], e["item"]))) == again["excluded"]
    as_set = {
        (type(e["expert"]), e["expert"], type(e["item"]), e["item"], e["reason"]) for e in again["excluded"]
    }
    assert as_set == {
        (type(e["expert"]), e["expert"], type(e["item"]), e["item"], e["reason"]) for e in first["excluded"]
    }


@settings(max_examples=150, deadline=None)
@given(rounds(), st.sampled_from(["trimmed", "zscore", "mean"]))
def test_the_ranking_is_a_permutation_of_the_items_with_counted_sheets(round_, method):
    expert_list, item_list, sheet_list = round_
    result = aggregate(CRITERIA, expert_list, item_list, sheet_list, method=method)
    counted = [r for r in result.items if r.n]
    assert [r.rank for r in counted] == list(range(1, len(counted) + 1))
    assert result.items[: len(counted)] == tuple(counted)  # the unranked ones after them
    assert all(r.rank is None and r.mean is None and not r.disagreement for r in result.items[len(counted) :])
    # every item exactly once; n counts the sheets that are not excluded
    assert sorted(map(repr, (r.id for r in result.items))) == sorted(map(repr, (i.id for i in item_list)))
    excluded = len(result.excluded)
    assert sum(r.n for r in result.items) + excluded == len(sheet_list)
