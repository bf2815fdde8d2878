"""Automatic assignment of experts to review items: hand-checked cases and a property test against brute force."""

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.reviews.assign import Expert, Item, _Network, assign, check, greedy_assign, ineligibility


def pairs(result):
    return {(item, expert) for item, experts in result.assignments.items() for expert in experts}


# --- eligibility ---------------------------------------------------------------------------------------


def test_every_kind_of_conflict_is_excluded():
    item = Item(
        "P1",
        "材料",
        organisations=["　重庆大学 ", "开州区科技公司　"],  # applicant and co-applicant, full-width space
        conflicts={"declared"},
        past_coapplicants={"coapplied"},
    )
    experts = [
        Expert("same-applicant", ["材料"], "重庆大学"),
        Expert("same-coapplicant", ["材料"], "开州区科技公司"),
        Expert("fullwidth", ["材料"], "重庆大学\u3000"),
        Expert("declared", ["材料"], "西南大学"),
        Expert("coapplied", ["材料"], "西南大学"),
        Expert("away", ["材料"], "西南大学", available=False),
        Expert("other-field", ["化工"], "西南大学"),
        Expert("ok", ["材料"], "西南大学"),
        Expert("no-organisation", ["材料"], ""),
    ]
    reasons = {x.id: ineligibility(item, x) for x in experts}
    assert reasons == {
        "same-applicant": "专家与申报单位“重庆大学”为同一单位",
        "same-coapplicant": "专家与申报单位“开州区科技公司”为同一单位",
        "fullwidth": "专家与申报单位“重庆大学”为同一单位",
        "declared": "专家已声明与该项目有利益冲突或回避",
        "coapplied": "专家曾与该项目的申报方共同申报项目",
        "away": "专家本轮不能参加评审",
        "other-field": "专家领域与项目不匹配",
        "ok": None,
        "no-organisation": None,
    }
    result = assign([item], experts, 5)
    assert set(result.assignments["P1"]) == {"ok", "no-organisation"}
    assert result.short == {"P1": "领域匹配且无利益冲突的专家只有 2 人，少于每项 5 人"}
    assert check(result, [item], experts, 5) == []
    assert result.considered and set(result.considered) == {"ok", "no-organisation"}


def test_empty_organisation_never_matches_and_fields_are_normalised():
    item = Item("P", ["ＡＩ ", "机械"], organisations=["", "甲"])
    experts = [
        Expert("x", "ai", ""),
        Expert("y", ["机械"], "乙"),
        Expert("z", [" "], "乙"),
        Expert("w", "", ""),
    ]
    result = assign([item], experts, 2)
    assert set(result.assignments["P"]) == {"x", "y"}
    assert ineligibility(Item("Q", [""]), Expert("e", [""])) == "专家领域与项目不匹配"


def test_unavailable_experts_get_nothing_and_are_not_considered():
    items = [Item(i, "f") for i in range(4)]
    experts = [Expert("a", "f"), Expert("b", "f"), Expert("c", "f", available=False)]
    result = assign(items, experts, 2)
    assert all(set(v) == {"a", "b"} for v in result.assignments.values())
    assert "c" not in result.loads and set(result.considered) == {"a", "b"}
    assert result.balanced and (result.min_load, result.max_load) == (4, 4)


def test_item_with_too_few_eligible_experts_gets_all_of_them():
    items = [Item("big", "f"), Item("small", "g", conflicts={"g2"})]
    experts = [Expert(f"f{k}", "f") for k in range(6)] + [Expert(f"g{k}", "g") for k in range(4)]
    result = assign(items, experts, 5)
    assert len(result.assignments["big"]) == 5
    assert set(result.assignments["small"]) == {"g0", "g1", "g3"}
    assert result.short == {"small": "领域匹配且无利益冲突的专家只有 3 人，少于每项 5 人"}
    assert check(result, items, experts, 5) == []


def test_an_item_may_name_several_fields():
    items = [Item("P", ["f", "g"])]
    experts = [Expert("a", "f"), Expert("b", "g"), Expert("c", "h")]
    assert set(assign(items, experts, 3).assignments["P"]) == {"a", "b"}


# --- balance ---------------------------------------------------------------------------------------------


def greedy_breaking_case():
    """Expert "both" is the only one for the x items; greedy may also hand it y items, which "only-y"
    could have taken — then "both" ends 3 items, "only-y" 1. The flow gives each 2."""
    items = [Item("x1", "x"), Item("x2", "x"), Item("y1", "y"), Item("y2", "y")]
    experts = [Expert("both", ["x", "y"]), Expert("only-y", "y")]
    return items, experts


def test_flow_balances_where_greedy_least_loaded_does_not():
    items, experts = greedy_breaking_case()
    greedy = [greedy_assign(items, experts, 1, seed=s) for s in range(20)]
    assert any(not g.balanced for g in greedy)
    broken = next(g for g in greedy if not g.balanced)
    assert "负荷不均衡：最高 3 项，最低 1 项，相差超过 1 项" in check(broken, items, experts, 1)
    for s in range(20):
        result = assign(items, experts, 1, seed=s)
        assert result.balanced and result.loads == {"both": 2, "only-y": 2}
        assert result.assignments["y1"] == result.assignments["y2"] == ["only-y"]
        assert check(result, items, experts, 1) == []


def test_a_larger_balance_chain_needs_augmenting_paths():
    # A chain of fields: expert k knows fields k and k+1; all items are of field 0 .. 3; only the flow
    # finds the shifts along the chain.
    experts = [Expert(f"e{k}", [f"f{k}", f"f{k + 1}"]) for k in range(4)]
    items = [Item(f"i{n}", "f0") for n in range(2)]
    items += [Item(f"j{k}{n}", f"f{k}") for k in range(1, 4) for n in range(2)]
    for s in range(10):
        result = assign(items, experts, 1, seed=s)
        assert result.balanced, result.loads
        assert max(result.loads.values()) == 2
        assert check(result, items, experts, 1) == []


def test_imbalance_is_reported_with_reasons_when_unavoidable():
    items = [Item(f"x{n}", "x") for n in range(6)] + [Item("y", "y")]
    experts = [Expert("a", "x"), Expert("b", ["x", "y"]), Expert("c", "y")]
    result = assign(items, experts, 1)
    # a and b share the six x items (3 each); c can only review the one y item.
    assert result.loads == {"a": 3, "b": 3, "c": 1}
    assert result.assignments["y"] == ["c"]
    assert not result.balanced and (result.min_load, result.max_load) == (1, 3)
    assert result.unbalanced["c"] == "负荷 1 项：领域匹配且无利益冲突的项目只有 1 项"
    assert result.band == (2, 3) and set(result.unbalanced) == {"c"}  # 7 items over 3 experts
    assert check(result, items, experts, 1) == ["负荷不均衡：最高 3 项，最低 1 项，相差超过 1 项"]


def test_caps_are_respected_and_named():
    items = [Item(n, "f") for n in range(4)]
    experts = [Expert("a", "f", cap=1), Expert("b", "f"), Expert("c", "f")]
    result = assign(items, experts, 2)
    assert result.loads["a"] <= 1
    assert sorted(result.loads.values()) == [1, 3, 4]
    assert result.unbalanced["a"] == "负荷 1 项，已达本轮评审上限 1 项"
    capped = assign([Item("p", "f")], [Expert("a", "f", cap=0), Expert("b", "f")], 2)
    assert capped.short == {
        "p": "领域匹配且无利益冲突的专家有 2 人，其中 1 人已达本轮评审上限，只分配到 1 人，少于每项 2 人"
    }


# --- manual assignments and re-runs ------------------------------------------------------------------------


def test_existing_assignments_are_kept_and_count_toward_loads():
    items = [Item(n, "f") for n in range(6)]
    experts = [Expert(x, "f") for x in "abc"]
    existing = [(0, "a"), (1, "a")]
    result = assign(items, experts, 1, existing=existing)
    assert result.assignments[0] == result.assignments[1] == ["a"]
    assert sorted(result.added) == sorted((n, x) for n in range(2, 6) for x in result.assignments[n])
    assert len(result.added) == 4
    assert result.loads == {"a": 2, "b": 2, "c": 2}  # "a" gets nothing new
    assert check(result, items, experts, 1, existing=existing) == []
    # One more manual pair than the balance allows: kept, and the imbalance is reported, not hidden.
    heavy = [(0, "a"), (1, "a"), (2, "a"), (3, "a")]
    result = assign(items, experts, 1, existing=heavy)
    assert result.loads == {"a": 4, "b": 1, "c": 1}
    assert result.unbalanced["a"] == "负荷 4 项：均为已有分配"


def test_a_recusal_rerun_fills_only_the_missing_place():
    items = [Item(f"p{n}", "f") for n in range(10)]
    experts = [Expert(f"e{k}", "f") for k in range(6)]
    first = assign(items, experts, 3, seed=4)
    assert first.balanced and check(first, items, experts, 3) == []
    gone = first.assignments["p0"][0]
    items[0] = Item("p0", "f", conflicts={gone})
    kept = [pair for pair in sorted(pairs(first)) if pair != ("p0", gone)]
    second = assign(items, experts, 3, existing=kept, seed=4)
    assert len(second.added) == 1 and second.added[0][0] == "p0" and second.added[0][1] != gone
    assert set(second.assignments["p0"][:2]) == set(first.assignments["p0"]) - {gone}
    # Every other place is kept as it was, so the recused expert is one item lighter and the new one
    # one heavier: the round is as balanced as the kept pairs allow, and says so.
    assert second.max_load - second.min_load == 2
    assert check(second, items, experts, 3, existing=kept) == [
        "负荷不均衡：最高 6 项，最低 4 项，相差超过 1 项"
    ]
    assert second.unbalanced[gone] == "负荷 4 项：本轮可评的项目均已配齐专家"
    assert (
        second.unbalanced[second.added[0][1]]
        == "负荷 6 项（其中已有分配 5 项）：所评项目领域匹配且无利益冲突的其他专家不足，负荷无法再降"
    )


def test_ineligible_manual_pairs_are_kept_but_reported():
    items = [Item("p", "f", organisations="甲")]
    experts = [Expert("a", "f", "甲"), Expert("b", "f", "乙")]
    result = assign(items, experts, 2, existing=[("p", "a")])
    assert result.assignments["p"] == ["a", "b"]
    assert result.ineligible_existing == [("p", "a", "专家与申报单位“甲”为同一单位")]
    assert any("不应分配专家 'a'" in p for p in check(result, items, experts, 2, existing=[("p", "a")]))


def test_bad_input_is_refused():
    import pytest

    with pytest.raises(ValueError):
        assign([Item(1, "f"), Item(1, "f")], [], 1)
    with pytest.raises(ValueError):
        assign([Item(1, "f")], [Expert("a", "f")], 1, existing=[(1, "zz")])
    with pytest.raises(ValueError):
        assign([], [], 0)


# --- determinism -----------------------------------------------------------------------------------------


def pool(seed=0, n_items=40, n_experts=25):
    rng = random.Random(seed)
    fields = ["f1", "f2", "f3"]
    orgs = ["甲", "乙", "丙", "丁"]
    experts = [
        Expert(f"e{k}", rng.sample(fields, rng.randint(1, 2)), rng.choice(orgs)) for k in range(n_experts)
    ]
    items = [
        Item(f"p{n}", rng.choice(fields), [rng.choice(orgs)], conflicts={f"e{rng.randrange(n_experts)}"})
        for n in range(n_items)
    ]
    return items, experts


def test_same_seed_same_result_in_any_input_order():
    items, experts = pool()
    first = assign(items, experts, 3, seed=7)
    shuffled = assign(list(reversed(items)), experts[::-1], 3, seed=7)
    assert first == shuffled
    assert check(first, items, experts, 3) == []


def test_other_seeds_spread_the_work_differently():
    items, experts = pool()
    results = [assign(items, experts, 3, seed=s) for s in range(6)]
    assert len({frozenset(pairs(r)) for r in results}) >= 4
    assert all(check(r, items, experts, 3) == [] for r in results)


# --- the flow itself --------------------------------------------------------------------------------------


def test_dinic_on_a_textbook_network():
    net = _Network(6)
    for u, v, c in [(0, 1, 16), (0, 2, 13), (1, 2, 10), (2, 1, 4), (1, 3, 12), (3, 2, 9), (2, 4, 14)]:
        net.add(u, v, c)
    net.add(4, 3, 7)
    net.add(3, 5, 20)
    net.add(4, 5, 4)
    assert net.max_flow(0, 5) == 23
    assert net.max_flow(0, 5) == 0


def test_a_full_size_round_is_balanced_and_valid():
    items, experts = pool(seed=3, n_items=400, n_experts=120)
    result = assign(items, experts, 5, seed=1)
    assert check(result, items, experts, 5) == []
    assert result.balanced


# --- property test against brute force on tiny rounds ---------------------------------------------------


def brute_force(items, experts, per_item, existing):
    """(most assignments, smallest possible highest load, largest possible lowest load) by enumeration."""
    fixed = {x.id: 0 for x in experts}
    on = {item.id: set() for item in items}
    for item_id, expert_id in existing:
        fixed[expert_id] += 1
        on[item_id].add(expert_id)
    eligible = {item.id: [x.id for x in experts if ineligibility(item, x) is None] for item in items}
    considered = {x for ids in eligible.values() for x in ids}
    caps = {x.id: x.cap for x in experts}
    choices = []
    for item in items:
        free = [x for x in eligible[item.id] if x not in on[item.id]]
        room = max(0, per_item - len(on[item.id]))
        choices.append([c for k in range(min(room, len(free)) + 1) for c in itertools.combinations(free, k)])
    outcomes = []
    for combo in itertools.product(*choices):
        load = dict(fixed)
        for chosen in combo:
            for x in chosen:
                load[x] += 1
        if any(caps[x] is not None and load[x] > caps[x] and load[x] > fixed[x] for x in load):
            continue
        values = [load[x] for x in considered] or [0]
        outcomes.append((sum(map(len, combo)), max(values), min(values)))
    most = max(o[0] for o in outcomes)
    best = [o for o in outcomes if o[0] == most]
    return most, min(o[1] for o in best), max(o[2] for o in best)


ORGANISATIONS = ["甲", "　甲 ", "乙", ""]


@st.composite
def tiny_rounds(draw):
    n_experts = draw(st.integers(1, 4))
    experts = [
        Expert(
            f"e{k}",
            draw(st.lists(st.sampled_from("ab"), min_size=1, max_size=2, unique=True)),
            draw(st.sampled_from(ORGANISATIONS)),
            available=draw(st.booleans() | st.just(True)),
            cap=draw(st.none() | st.integers(0, 3)),
        )
        for k in range(n_experts)
    ]
    ids = [x.id for x in experts]
    items = [
        Item(
            f"p{n}",
            draw(st.sampled_from(["a", "b", ["a", "b"]])),
            draw(st.lists(st.sampled_from(ORGANISATIONS), max_size=2)),
            conflicts=draw(st.sets(st.sampled_from(ids), max_size=1)),
            past_coapplicants=draw(st.sets(st.sampled_from(ids), max_size=1)),
        )
        for n in range(draw(st.integers(1, 3)))
    ]
    per_item = draw(st.integers(1, 3))
    existing = []
    for item in items:
        eligible = [x.id for x in experts if ineligibility(item, x) is None and x.cap is None]
        for x in draw(st.lists(st.sampled_from(eligible), unique=True, max_size=1)) if eligible else []:
            existing.append((item.id, x))
    return items, experts, per_item, existing, draw(st.integers(0, 3))


@settings(max_examples=300, deadline=None)
@given(tiny_rounds())
def test_assignment_matches_brute_force(case):
    items, experts, per_item, existing, seed = case
    result = assign(items, experts, per_item, existing=existing, seed=seed)
    most, lowest_high, highest_low = brute_force(items, experts, per_item, existing)
    assert len(pairs(result)) == most + len(existing)
    assert (result.max_load, result.min_load) == (lowest_high, highest_low)
    problems = check(result, items, experts, per_item, existing=existing)
    if lowest_high - highest_low <= 1:  # a balanced assignment exists: nothing may be wrong
        assert problems == []
        assert result.balanced
    else:
        assert problems == [f"负荷不均衡：最高 {lowest_high} 项，最低 {highest_low} 项，相差超过 1 项"]
    by_id = {x.id: x for x in experts}
    for item in items:
        for x in result.assignments[item.id]:
            assert ineligibility(item, by_id[x]) is None


@settings(max_examples=100, deadline=None)
@given(tiny_rounds())
def test_greedy_baseline_never_assigns_an_ineligible_pair(case):
    items, experts, per_item, existing, seed = case
    result = greedy_assign(items, experts, per_item, existing=existing, seed=seed)
    by_id = {x.id: x for x in experts}
    assert all(ineligibility(i, by_id[x]) is None for i in items for x in result.assignments[i.id])
