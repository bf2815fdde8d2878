"""Expert assignment (A1): one review round assigned by the flow, against a named baseline in the same run.

    .venv/bin/python bench/assign_bench.py [--items 5000] [--experts 1000] [--per-item 5] [--seed 1]

The data (seeded): ~40 fields of skewed size (Zipf-like weights, the largest about 20 × the smallest);
each expert has 1–3 fields drawn by those weights, one of 30 organisations, 5 % are unavailable; each item
has one field drawn by the same weights raised to --demand-skew (1.15: popular fields are asked for more
than their share of experts), an applicant and 0–2 co-applicants from the same 30 organisations, declared conflicts
(about 2 % of its field's experts) and past co-applicants from the registry (0–2 experts).

A1 assign: `kechuang.reviews.assign.assign` (Dinic's flow: most assignments, then the smallest highest
           load, then the largest lowest load) vs the baseline — the naive greedy least-loaded assignment
           (`greedy_assign`: item by item, the least-loaded eligible experts) on the same data.
A1c check: the independent verification (`check`) of the flow's result.

Prints `A1 assign_ratio=… project_s=… baseline_s=… violations=… balanced=… min_load=… max_load=…
outside_band=…` and the baseline's own line (`A1g`); ratio = project ÷ baseline (lower is better).
`violations` counts what `check` finds besides the ≤ 1 balance (eligibility, distinct experts, places
per item, loads reported); `balanced` is that balance, `outside_band` the experts whose load is outside
⌊T / E⌋–⌈T / E⌉. No database is involved.
"""

import argparse
import random

from benchkit import timed  # first: it puts this checkout on the path


def round_data(n_items: int, n_experts: int, seed: int, demand_skew: float = 1.15):
    from kechuang.reviews.assign import Expert, Item

    rng = random.Random(seed)
    fields = [f"{code:02d}" for code in range(40)]
    weights = [1 / (1 + k) ** 0.8 for k in range(len(fields))]
    item_weights = [w**demand_skew for w in weights]
    organisations = [f"单位{k:02d}" for k in range(30)]
    experts = []
    by_field: dict[str, list[str]] = {f: [] for f in fields}
    for k in range(n_experts):
        own = set(rng.choices(fields, weights, k=rng.randint(1, 3)))
        organisation = rng.choice(organisations)
        if rng.random() < 0.3:  # the way such names come in: full-width spaces, stray blanks
            organisation = f"\u3000{organisation} "
        expert = Expert(f"E{k:04d}", sorted(own), organisation, available=rng.random() >= 0.05)
        experts.append(expert)
        for f in own:
            by_field[f].append(expert.id)
    items = []
    for n in range(n_items):
        f = rng.choices(fields, item_weights)[0]
        pool = by_field[f] or [experts[0].id]
        items.append(
            Item(
                f"P{n:05d}",
                f,
                rng.sample(organisations, 1 + rng.choice((0, 0, 1, 2))),
                conflicts=set(rng.sample(pool, max(0, round(len(pool) * 0.02)))),
                past_coapplicants=set(rng.sample(pool, min(len(pool), rng.choice((0, 0, 1, 2))))),
            )
        )
    return items, experts


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--per-item", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--demand-skew", type=float, default=1.15)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from kechuang.reviews.assign import assign, check, greedy_assign

    items, experts = round_data(args.items, args.experts, args.seed, args.demand_skew)
    per_item = args.per_item
    project, result = timed(lambda: assign(items, experts, per_item, seed=args.seed), args.repeat)
    baseline, greedy = timed(lambda: greedy_assign(items, experts, per_item, seed=args.seed), args.repeat)
    checking, violations = timed(lambda: check(result, items, experts, per_item))
    greedy_violations = check(greedy, items, experts, per_item)

    def hard(problems):  # every constraint but the ≤ 1 balance, which the data may make impossible
        return [p for p in problems if not p.startswith("负荷不均衡")]

    pairs = sum(map(len, result.assignments.values()))
    print(
        f"# {len(items)} items, {len(experts)} experts ({len(result.considered)} considered), "
        f"{per_item} per item, {pairs} assignments, {len(result.short)} items short, "
        f"even band {result.band[0]}–{result.band[1]}",
        flush=True,
    )
    for name, took, outcome, problems in (
        ("A1", project, result, violations),
        ("A1g", baseline, greedy, greedy_violations),
    ):
        ratio = f"assign_ratio={project / baseline:.2f} project_s={project:.2f} baseline_s={baseline:.2f}"
        print(
            f"{name} {ratio if name == 'A1' else f'greedy_s={took:.2f}'} violations={len(hard(problems))} "
            f"balanced={outcome.balanced} min_load={outcome.min_load} max_load={outcome.max_load} "
            f"outside_band={len(outcome.unbalanced)} short={len(outcome.short)}",
            flush=True,
        )
    print(f"A1c check_s={checking:.2f}", flush=True)
    for line in violations[:5]:
        print(f"#   {line}")


if __name__ == "__main__":
    main()
