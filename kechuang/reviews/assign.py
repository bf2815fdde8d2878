"""Automatic assignment of experts to review items (专家评审的自动分配), as pure computation.

Plain values in, plain values out — no database: the review models build `Item`s and `Expert`s, call
`assign`, store `Result.added` and show `Result.short` / `Result.unbalanced` to the bureau.

Eligibility (`ineligibility` gives the reason a pair is excluded, in Chinese):

* the expert is available this round (unavailable experts get nothing);
* the expert shares a field with the item (fields compared after NFKC normalisation, case folded,
  surrounding spaces stripped; an empty field never matches);
* the expert's organisation is not the organisation of the applicant or of any co-applicant (compared
  as the aggregation compares them — `aggregate.normalise_organisation`: full-width to half-width,
  surrounding spaces trimmed, so "重庆大学" and "　重庆大学 " are the same; an empty organisation never
  matches);
* the expert has not declared a conflict with the item, nor recused (`Item.conflicts`);
* the expert is not a past co-applicant of the item's applicants in the registry (`Item.past_coapplicants`:
  the caller computes these expert ids from the registry).

Experts declare no conflict (or recuse) before they see an item: a recusal is a declared conflict — the
caller adds the expert to the item's `conflicts`, drops the pair from `existing` and runs `assign` again,
which fills only the missing place.

What `assign` optimises, in this order (each step never gives up the previous one):

1. coverage: the largest possible number of assignments — every item gets `per_item` distinct eligible
   experts when it has that many (within the experts' personal caps); items that cannot are `short`;
2. the maximum load: the smallest bound U such that no expert who receives new work ends above U
   (an expert whose manual assignments alone exceed U gets nothing new);
3. the minimum load: the largest L such that every expert who can receive new work ends at L or more.

Loads count every assignment of the round, manual ones (`existing`) included. The balance rule — "no
expert more than one item above another in the same round" — is measured over the *considered* experts:
every available expert eligible for at least one item of the round. It holds when the considered loads
differ by at most 1 (`Result.balanced`); when fields, conflicts, caps or manual assignments make that
impossible, `Result.unbalanced` names the experts whose load lies outside the band of a perfectly even
round — ⌊T / E⌋ to ⌈T / E⌉ for T assignments over E considered experts — each with the reason.

Why steps 2 and 3 are optimal together: the load vectors of maximum assignments form an M-convex set
(the bases of a transversal-like polymatroid shifted by the fixed manual loads); its decreasingly minimal
element attains both the smallest maximum and the largest minimum, and it respects the bound U found in
step 2. So the L found under U is the largest minimum over all maximum assignments, and when a balanced
(≤ 1) assignment exists, the result is balanced. Loads strictly between L and U are not further evened
out.

The algorithm: a flow network source → item (capacity: places still open) → eligible expert (1) → sink
(capacity: the load bound minus the expert's manual load, within the expert's cap), solved with Dinic's
algorithm. A seeded least-loaded greedy pass starts the flow. U is searched upward from a counting lower
bound (galloping, then bisection; a flow found under a bound stays valid under a larger one). For L, each
expert's sink edge is split into a "must" part (up to L) leading to a second sink and the rest; moving
load from experts above L to experts below it is a flow from the first sink to the second through the
residual network (possibly through the source, so which items stay short may change), and L is feasible
when every "must" part is full — the lower-bound transformation done on the current flow. L is raised one
level at a time from the lowest load of the flow found for U, keeping each level's flow, until a level
fails.

Ties are broken by a shuffle seeded with `seed`: the same input (in any order) and seed give the same
result, other seeds spread the work over other experts.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from .aggregate import normalise_organisation

__all__ = ["Expert", "Item", "Result", "assign", "check", "greedy_assign", "ineligibility"]


def normalise_field(name: str | None) -> str:
    return unicodedata.normalize("NFKC", name or "").strip().casefold()


def _strings(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class Item:
    """A review item (an application to review).

    `fields`: its discipline code(s) or name(s) — one string or several. `organisations`: the applicant's
    and every co-applicant's organisation. `conflicts`: expert ids who declared a conflict or recused.
    `past_coapplicants`: expert ids who applied together with any of its applicants before (from the
    registry)."""

    id: Hashable
    fields: tuple[str, ...] | str
    organisations: tuple[str, ...] | str = ()
    conflicts: frozenset = frozenset()
    past_coapplicants: frozenset = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "fields", _strings(self.fields))
        object.__setattr__(self, "organisations", _strings(self.organisations))
        object.__setattr__(self, "conflicts", frozenset(self.conflicts))
        object.__setattr__(self, "past_coapplicants", frozenset(self.past_coapplicants))


@dataclass(frozen=True)
class Expert:
    """An expert of the pool. `cap`: the most items the expert takes in one round (None: no cap)."""

    id: Hashable
    fields: tuple[str, ...] | str
    organisation: str = ""
    available: bool = True
    cap: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "fields", _strings(self.fields))


@dataclass
class Result:
    """`assignments`: item id → expert ids (manual ones first, then this run's), every item present.
    `added`: the (item id, expert id) pairs this run made. `loads`: expert id → items in the round, for
    every considered expert and every expert with an assignment. `considered`: the experts the balance is
    measured over (available, eligible for at least one item). `band`: the loads of a perfectly even round,
    (⌊T / E⌋, ⌈T / E⌉) for T assignments over E considered experts. `short`: item id → why it has fewer
    than `per_item` experts. `unbalanced` (only when not `balanced`): expert id → why its load is outside
    the band.
    `ineligible_existing`: manual pairs kept although not eligible, with the reason."""

    assignments: dict
    added: list
    loads: dict
    considered: list
    balanced: bool
    min_load: int
    max_load: int
    band: tuple[int, int] = (0, 0)
    short: dict = field(default_factory=dict)
    unbalanced: dict = field(default_factory=dict)
    ineligible_existing: list = field(default_factory=list)


def ineligibility(item: Item, expert: Expert) -> str | None:
    """Why `expert` may not review `item` (in Chinese), or None when the pair is eligible."""
    if not expert.available:
        return "专家本轮不能参加评审"
    item_fields = {normalise_field(f) for f in item.fields} - {""}
    if not item_fields & {normalise_field(f) for f in expert.fields}:
        return "专家领域与项目不匹配"
    organisation = normalise_organisation(expert.organisation)
    if organisation:
        for name in item.organisations:
            if normalise_organisation(name) == organisation:
                return f"专家与申报单位“{name.strip()}”为同一单位"
    if expert.id in item.conflicts:
        return "专家已声明与该项目有利益冲突或回避"
    if expert.id in item.past_coapplicants:
        return "专家曾与该项目的申报方共同申报项目"
    return None


def _key(value):
    return (type(value).__name__, str(value))


# ---------------------------------------------------------------------------------------------------------
# Dinic's maximum flow on adjacency lists of edge ids; edge e's reverse is e ^ 1, `cap` is the residual.


class _Network:
    __slots__ = ("adj", "to", "cap")

    def __init__(self, nodes: int):
        self.adj: list[list[int]] = [[] for _ in range(nodes)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def add(self, u: int, v: int, capacity: int) -> int:
        e = len(self.to)
        self.to += (v, u)
        self.cap += (capacity, 0)
        self.adj[u].append(e)
        self.adj[v].append(e + 1)
        return e

    def max_flow(self, s: int, t: int) -> int:
        adj, to, cap = self.adj, self.to, self.cap
        n = len(adj)
        total = 0
        while True:
            level = [-1] * n
            level[s] = 0
            queue = [s]
            for v in queue:  # breadth first; the list grows while it is read
                if v == t:
                    break
                down = level[v] + 1
                for e in adj[v]:
                    if cap[e] and level[to[e]] < 0:
                        level[to[e]] = down
                        queue.append(to[e])
            if level[t] < 0:
                return total
            cursor = [0] * n
            path: list[int] = []
            v = s
            while True:
                if v == t:
                    push = min(cap[e] for e in path)
                    for e in path:
                        cap[e] -= push
                        cap[e ^ 1] += push
                    total += push
                    cut = next(k for k, e in enumerate(path) if not cap[e])
                    v = to[path[cut] ^ 1]
                    del path[cut:]
                    continue
                edges = adj[v]
                i, end, down = cursor[v], len(edges), level[v] + 1
                while i < end:
                    e = edges[i]
                    if cap[e] and level[to[e]] == down:
                        break
                    i += 1
                cursor[v] = i
                if i < end:
                    e = edges[i]
                    path.append(e)
                    v = to[e]
                    continue
                level[v] = -1  # a dead end for this phase
                if not path:
                    break
                v = to[path.pop() ^ 1]
                cursor[v] += 1


# ---------------------------------------------------------------------------------------------------------


class _Round:
    """The round's data by index: items and experts in a canonical order, eligibility, manual loads."""

    def __init__(self, items, experts, per_item, existing, seed):
        if per_item < 1:
            raise ValueError("per_item must be at least 1")
        self.items = sorted(items, key=lambda x: _key(x.id))
        self.experts = sorted(experts, key=lambda x: _key(x.id))
        self.per_item = per_item
        item_index = {x.id: i for i, x in enumerate(self.items)}
        expert_index = {x.id: e for e, x in enumerate(self.experts)}
        if len(item_index) < len(self.items) or len(expert_index) < len(self.experts):
            raise ValueError("item and expert ids must be unique")
        rng = random.Random(seed)
        order = list(range(len(self.experts)))
        rng.shuffle(order)
        self.rank = [0] * len(self.experts)
        for position, e in enumerate(order):
            self.rank[e] = position
        self.item_order = list(range(len(self.items)))
        rng.shuffle(self.item_order)

        by_field: dict[str, list[int]] = {}
        organisation = []
        for e, expert in enumerate(self.experts):
            organisation.append(normalise_organisation(expert.organisation))
            if expert.available:
                for name in {normalise_field(f) for f in expert.fields} - {""}:
                    by_field.setdefault(name, []).append(e)
        self.eligible: list[list[int]] = []  # per item, in seeded order
        for item in self.items:
            candidates = set()
            for name in {normalise_field(f) for f in item.fields} - {""}:
                candidates.update(by_field.get(name, ()))
            orgs = {normalise_organisation(o) for o in item.organisations} - {""}
            barred = item.conflicts | item.past_coapplicants
            self.eligible.append(
                sorted(
                    (
                        e
                        for e in candidates
                        if organisation[e] not in orgs and self.experts[e].id not in barred
                    ),
                    key=self.rank.__getitem__,
                )
            )

        self.fixed = [0] * len(self.experts)
        self.manual: list[list[int]] = [[] for _ in self.items]
        self.ineligible_existing = []
        seen = set()
        for item_id, expert_id in existing:
            if item_id not in item_index or expert_id not in expert_index:
                raise ValueError(f"unknown item or expert in existing: {(item_id, expert_id)!r}")
            i, e = item_index[item_id], expert_index[expert_id]
            if (i, e) in seen:
                continue
            seen.add((i, e))
            self.manual[i].append(e)
            self.fixed[e] += 1
            reason = ineligibility(self.items[i], self.experts[e])
            if reason:
                self.ineligible_existing.append((item_id, expert_id, reason))
        self.open = [max(0, per_item - len(m)) for m in self.manual]
        self.new: list[list[int]] = []  # eligible experts not yet on the item, for items with open places
        for i, candidates in enumerate(self.eligible):
            taken = set(self.manual[i])
            self.new.append([e for e in candidates if e not in taken] if self.open[i] else [])
        self.eligible_items = [0] * len(self.experts)
        for candidates in self.eligible:
            for e in candidates:
                self.eligible_items[e] += 1
        self.considered = [e for e, count in enumerate(self.eligible_items) if count]
        self.degree = [0] * len(self.experts)
        for candidates in self.new:
            for e in candidates:
                self.degree[e] += 1
        self.flexible = [e for e in self.considered if self.degree[e]]

    def room(self, e: int, bound: int | None) -> int:
        """How many new items expert e may take under the load bound (None: only its cap)."""
        cap = self.experts[e].cap
        left = self.degree[e] if cap is None else min(self.degree[e], max(0, cap - self.fixed[e]))
        return left if bound is None else min(left, max(0, bound - self.fixed[e]))

    def greedy(self, bound: int | None, new_load: list[int]) -> list[list[int]]:
        """Least-loaded first, item by item in seeded order, ties by seeded rank."""
        chosen: list[list[int]] = [[] for _ in self.items]
        fixed, rank = self.fixed, self.rank
        limit = [self.room(e, bound) for e in range(len(self.experts))]
        for i in self.item_order:
            want = self.open[i]
            if not want:
                continue
            picks = sorted(
                (e for e in self.new[i] if new_load[e] < limit[e]),
                key=lambda e: (fixed[e] + new_load[e], rank[e]),
            )[:want]
            for e in picks:
                new_load[e] += 1
            chosen[i] = picks
        return chosen

    def result(self, chosen: list[list[int]]) -> Result:
        items, experts, rank = self.items, self.experts, self.rank
        load = list(self.fixed)
        for picks in chosen:
            for e in picks:
                load[e] += 1
        assignments, added, short = {}, [], {}
        for i, item in enumerate(items):
            new = sorted(chosen[i], key=rank.__getitem__)
            assignments[item.id] = [experts[e].id for e in self.manual[i] + new]
            added += [(item.id, experts[e].id) for e in new]
            count = len(self.manual[i]) + len(new)
            if count < self.per_item:
                short[item.id] = self._short_reason(i, count, load)
        considered_loads = [load[e] for e in self.considered]
        high = max(considered_loads, default=0)
        low = min(considered_loads, default=0)
        total = sum(considered_loads)
        count = len(considered_loads) or 1
        band = (total // count, -(-total // count))
        unbalanced = {}
        if high - low > 1:
            for e in self.considered:
                if not band[0] <= load[e] <= band[1]:
                    unbalanced[experts[e].id] = self._balance_reason(e, load[e], band)
        considered = set(self.considered)
        loads = {experts[e].id: load[e] for e in range(len(experts)) if load[e] or e in considered}
        return Result(
            assignments=assignments,
            added=added,
            loads=loads,
            considered=[experts[e].id for e in self.considered],
            balanced=high - low <= 1,
            min_load=low,
            max_load=high,
            band=band,
            short=short,
            unbalanced=unbalanced,
            ineligible_existing=list(self.ineligible_existing),
        )

    def _short_reason(self, i: int, count: int, load: list[int]) -> str:
        eligible = len(self.eligible[i])
        if eligible < self.per_item:
            return f"领域匹配且无利益冲突的专家只有 {eligible} 人，少于每项 {self.per_item} 人"
        capped = sum(
            1 for e in self.eligible[i] if self.experts[e].cap is not None and load[e] >= self.experts[e].cap
        )
        return (
            f"领域匹配且无利益冲突的专家有 {eligible} 人，其中 {capped} 人已达本轮评审上限，"
            f"只分配到 {count} 人，少于每项 {self.per_item} 人"
        )

    def _balance_reason(self, e: int, load: int, band: tuple[int, int]) -> str:
        expert, fixed = self.experts[e], self.fixed[e]
        said = f"负荷 {load} 项（其中已有分配 {fixed} 项）" if fixed and load > fixed else f"负荷 {load} 项"
        if load < band[0]:
            eligible_items = self.eligible_items[e]
            if expert.cap is not None and load >= expert.cap:
                return f"{said}，已达本轮评审上限 {expert.cap} 项"
            if load >= eligible_items:
                return f"{said}：领域匹配且无利益冲突的项目只有 {eligible_items} 项"
            if not self.degree[e]:
                return f"{said}：本轮可评的项目均已配齐专家"
            return f"{said}：可评项目的名额已由其他专家占满，改派不能使负荷更均衡"
        if load == fixed:
            return f"{said}：均为已有分配"
        return f"{said}：所评项目领域匹配且无利益冲突的其他专家不足，负荷无法再降"


def greedy_assign(items: Iterable[Item], experts: Iterable[Expert], per_item: int, *, existing=(), seed=0):
    """The naive baseline: item by item, the least-loaded eligible experts (no flow, no search)."""
    data = _Round(items, experts, per_item, existing, seed)
    return data.result(data.greedy(None, [0] * len(data.experts)))


def assign(items: Iterable[Item], experts: Iterable[Expert], per_item: int, *, existing=(), seed=0) -> Result:
    """Assign `per_item` experts to every item, keeping the manual pairs `existing` ((item id, expert id))
    and filling only the places still open; see the module's documentation for what is guaranteed."""
    data = _Round(items, experts, per_item, existing, seed)
    n, m = len(data.items), len(data.experts)
    S, T, T2 = 0, 1, 2  # source, sink, the second sink of the lower bounds
    net = _Network(3 + n + m)
    pair_edges: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    item_edge = [-1] * n
    for i in data.item_order:
        if data.new[i]:
            item_edge[i] = net.add(S, 3 + i, data.open[i])
            for e in data.new[i]:
                pair_edges[i].append((e, net.add(3 + i, 3 + n + e, 1)))
    upper = {e: net.add(3 + n + e, T, 0) for e in sorted(data.flexible, key=data.rank.__getitem__)}
    must = {e: net.add(3 + n + e, T2, 0) for e in upper}
    cap = net.cap

    def new_load(e: int) -> int:
        return cap[upper[e] ^ 1] + cap[must[e] ^ 1]

    def set_bound(bound: int | None) -> None:
        for e, edge in upper.items():
            cap[edge] = data.room(e, bound) - cap[edge ^ 1]

    # 1. Coverage: the most assignments possible (without caps: every item as full as its experts allow).
    capped = any(data.room(e, None) < data.degree[e] for e in data.flexible)
    if capped:
        fresh = list(cap)
        set_bound(None)
        target = net.max_flow(S, T)
        cap[:] = fresh
    else:
        target = sum(min(data.open[i], len(data.new[i])) for i in range(n))

    # 2. The smallest load bound U under which the flow still reaches the target.
    def enough(bound: int) -> bool:
        return sum(data.room(e, bound) for e in data.flexible) >= target

    ceiling = max((data.fixed[e] + data.room(e, None) for e in data.flexible), default=0)
    low, high = 0, ceiling  # enough(ceiling) holds; find the first bound that passes the count
    while low < high:
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid + 1, high)
    bound = low
    flow = 0
    if target:
        warm = [0] * m
        for i, picks in enumerate(data.greedy(bound, warm)):
            if picks:
                cap[item_edge[i]] -= len(picks)
                cap[item_edge[i] ^ 1] += len(picks)
                flow += len(picks)
                chosen = set(picks)
                for e, edge in pair_edges[i]:
                    if e in chosen:
                        cap[edge], cap[edge ^ 1] = 0, 1
        for e, edge in upper.items():
            cap[edge ^ 1] = warm[e]
        set_bound(bound)
        flow += net.max_flow(S, T)
        if flow < target:  # gallop up from the last bound that failed, then bisect
            failed, failed_state, failed_flow, step = bound, list(cap), flow, 1
            while True:
                bound = min(failed + step, ceiling)
                set_bound(bound)
                flow += net.max_flow(S, T)
                if flow == target:
                    break
                failed, failed_state, failed_flow, step = bound, list(cap), flow, step * 2
            good, good_state = bound, list(cap)
            while good - failed > 1:
                mid = (good + failed) // 2
                cap[:], flow = failed_state, failed_flow
                set_bound(mid)
                flow += net.max_flow(S, T)
                if flow == target:
                    good, good_state = mid, list(cap)
                else:
                    failed, failed_state, failed_flow = mid, list(cap), flow
            bound = good
            cap[:] = good_state

        # 3. The largest L such that every expert who can take new work ends with L items or more.
        def try_floor(floor: int) -> bool:
            deficit = 0
            for e in upper:
                taken, most = new_load(e), data.room(e, bound)
                least = max(0, floor - data.fixed[e])
                if least > most:
                    return False
                kept = min(taken, least)
                cap[must[e]], cap[must[e] ^ 1] = least - kept, kept
                cap[upper[e]], cap[upper[e] ^ 1] = most - least - (taken - kept), taken - kept
                deficit += least - kept
            return net.max_flow(T, T2) == deficit

        # Upward one level at a time: each level moves only the load it needs, and the first level that
        # fails (one flow that cannot fill every "must" part) ends the search.
        floor = min(data.fixed[e] + new_load(e) for e in upper)
        good_state = list(cap)
        while floor < bound:
            if not try_floor(floor + 1):
                cap[:] = good_state
                break
            floor, good_state = floor + 1, list(cap)

    chosen = [[e for e, edge in pair_edges[i] if not cap[edge]] for i in range(n)]
    return data.result(chosen)


def check(result: Result, items: Iterable[Item], experts: Iterable[Expert], per_item: int, *, existing=()):
    """Every way `result` breaks the assignment rule, in Chinese (empty when it keeps it): unknown or
    repeated experts, ineligible pairs, too many experts, places left open that an eligible expert could
    fill, manual pairs dropped, loads misreported and loads of the considered experts more than one apart.
    Computed from the items and experts alone (none of `assign`'s machinery)."""
    items = list(items)
    experts = {x.id: x for x in experts}
    fields_of = {x.id: {normalise_field(f) for f in x.fields} - {""} for x in experts.values()}
    organisation_of = {x.id: normalise_organisation(x.organisation) for x in experts.values()}
    by_field: dict[str, set] = {}
    for x in experts.values():
        if x.available:
            for name in fields_of[x.id]:
                by_field.setdefault(name, set()).add(x.id)

    def eligible_experts(item: Item) -> set:
        names = {normalise_field(f) for f in item.fields} - {""}
        organisations = {normalise_organisation(o) for o in item.organisations} - {""}
        candidates = set().union(*(by_field.get(name, ()) for name in names))
        return {
            x
            for x in candidates
            if organisation_of[x] not in organisations
            and x not in item.conflicts
            and x not in item.past_coapplicants
        }

    problems = []
    load = dict.fromkeys(experts, 0)
    considered = set()
    for item in items:
        eligible = eligible_experts(item)
        considered |= eligible
        chosen = result.assignments.get(item.id)
        if chosen is None:
            problems.append(f"项目 {item.id!r} 不在分配结果中")
            continue
        if len(set(chosen)) < len(chosen):
            problems.append(f"项目 {item.id!r} 重复分配了同一位专家")
        if len(chosen) > per_item:
            problems.append(f"项目 {item.id!r} 分配了 {len(chosen)} 人，多于每项 {per_item} 人")
        for expert_id in set(chosen):
            if expert_id not in experts:
                problems.append(f"项目 {item.id!r} 分配了未知专家 {expert_id!r}")
                continue
            load[expert_id] += 1
            if expert_id not in eligible:
                reason = ineligibility(item, experts[expert_id]) or "不符合分配条件"
                problems.append(f"项目 {item.id!r} 不应分配专家 {expert_id!r}：{reason}")
    for item in items:
        chosen = set(result.assignments.get(item.id, ()))
        if len(chosen) >= per_item:
            continue
        if item.id not in result.short:
            problems.append(f"项目 {item.id!r} 只有 {len(chosen)} 人，却未列为人数不足")
        for expert_id in eligible_experts(item) - chosen:
            cap = experts[expert_id].cap
            if cap is None or load[expert_id] < cap:
                problems.append(f"项目 {item.id!r} 人数不足，但专家 {expert_id!r} 可评且未达上限")
    for item_id, expert_id in existing:
        if expert_id not in result.assignments.get(item_id, ()):
            problems.append(f"已有分配（项目 {item_id!r}，专家 {expert_id!r}）未保留")
    for x in considered:
        if result.loads.get(x) != load[x]:
            problems.append(f"专家 {x!r} 的负荷应为 {load[x]} 项，结果记为 {result.loads.get(x)}")
    if sorted(map(_key, result.considered)) != sorted(map(_key, considered)):
        problems.append("参与均衡的专家名单有误")
    loads = [load[x] for x in considered]
    high, low = max(loads, default=0), min(loads, default=0)
    band = (sum(loads) // max(1, len(loads)), -(-sum(loads) // max(1, len(loads))))
    if (result.max_load, result.min_load, result.balanced, tuple(result.band)) != (
        high,
        low,
        high - low <= 1,
        band,
    ):
        problems.append("负荷的最高、最低值、均衡标记或均衡区间有误")
    if high - low > 1:
        problems.append(f"负荷不均衡：最高 {high} 项，最低 {low} 项，相差超过 1 项")
        expected = {x for x in considered if not band[0] <= load[x] <= band[1]}
        if set(result.unbalanced) != expected:
            problems.append("未说明负荷不均衡的专家名单有误")
    return problems
