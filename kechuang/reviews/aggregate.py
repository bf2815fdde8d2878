"""The figures of one review round, computed exactly: sheet totals, conflicts of interest, each item's mean,
trimmed mean, z-score, spread and disagreement, and the ranking (docs/REVIEW.md).

Pure Python on plain values — `Criterion`, `Expert`, `Item`, `Sheet` in, `RoundResult` out — so that the
`review rank` command and the review models compute the same figures. Totals, means and trimmed means are
`Fraction`s (mathematically equal values compare equal); z-scores need a square root and are `Decimal`s
computed to 50 significant digits and compared rounded to 12 decimals. `RoundResult.as_data()` gives the
figures rounded to 4 decimals, half up (ROUND_HALF_UP: 0.00005 → 0.0001, as computed by hand).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

Id = int | str

METHODS = ("trimmed", "zscore", "mean")
DEFAULT_METHOD = "trimmed"
DEFAULT_THRESHOLD = 20  # points of a sheet's total (0–100)
TRIM_FROM = 5  # the trimmed mean drops the highest and the lowest total from this many counted sheets on
WEIGHT_TOLERANCE = Fraction(1, 10**9)

SAME_ORGANISATION = "same_organisation"
DECLARED_CONFLICT = "declared_conflict"
REASONS = {SAME_ORGANISATION: "同单位", DECLARED_CONFLICT: "申报回避"}

_PRECISION = Context(prec=50)
_TIE_PLACES = Decimal("1e-12")
_OUTPUT_PLACES = Decimal("0.0001")


class ReviewInputError(ValueError):
    """The round cannot be computed; `errors` holds every problem found, each a Chinese sentence."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: Any  # a number: int, float, Decimal or Fraction (floats are read as the decimal they print as)
    max: Any


@dataclass(frozen=True)
class Expert:
    id: Id
    organisation: str = ""


@dataclass(frozen=True)
class Item:
    id: Id
    organisations: tuple[str, ...] = ()
    conflicts: tuple[Id, ...] = ()  # experts who declared a conflict of interest with the item


@dataclass(frozen=True)
class Sheet:
    expert: Id
    item: Id
    scores: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Exclusion:
    expert: Id
    item: Id
    reason: str  # SAME_ORGANISATION or DECLARED_CONFLICT


@dataclass(frozen=True)
class ItemResult:
    id: Id
    n: int
    mean: Fraction | None
    trimmed: Fraction | None
    zscore: Decimal | None
    spread: Fraction | None
    disagreement: bool
    rank: int | None

    def as_data(self) -> dict:
        return {
            "id": self.id,
            "n": self.n,
            "mean": _output(self.mean),
            "trimmed": _output(self.trimmed),
            "zscore": _output(self.zscore),
            "spread": _output(self.spread),
            "disagreement": self.disagreement,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class ExpertStats:
    """One expert's counted totals in the round: their mean and population standard deviation."""

    n: int
    mean: Fraction
    variance: Fraction
    std: Decimal


@dataclass(frozen=True)
class RoundResult:
    items: tuple[ItemResult, ...]  # ranked items in rank order, then the unranked ones in id order
    excluded: tuple[Exclusion, ...]  # in the order of the sheets given
    totals: Mapping[tuple[Id, Id], Fraction]  # (expert, item) → total, every sheet (excluded ones too)
    zscores: Mapping[tuple[Id, Id], Decimal]  # (expert, item) → z-score, counted sheets only
    experts: Mapping[Id, ExpertStats]  # experts with at least one counted sheet

    def as_data(self) -> dict:
        """What `kechuang review rank --json` prints: numbers rounded to 4 decimals, ids as given."""
        return {
            "items": [item.as_data() for item in self.items],
            "excluded": [{"expert": e.expert, "item": e.item, "reason": e.reason} for e in self.excluded],
        }


def id_key(value: Id) -> tuple:
    """Items in id order: numbers by value, before strings by their text."""
    return (0, value, "") if isinstance(value, int) else (1, 0, str(value))


def label(value: Any) -> str:
    return f"“{value}”"


def shown(value: Any) -> str:
    """A value of the input as it is written in JSON: “null”, “true”, “8” (text), “[8]”."""
    if isinstance(value, str | Decimal):
        return f"“{value}”"
    return f"“{json.dumps(value, ensure_ascii=False, default=str)}”"


def normalise_organisation(name: Any) -> str:
    """Full-width characters to half-width (NFKC), surrounding spaces trimmed: “ 开州区科技局　” = “开州区科技局”."""
    return unicodedata.normalize("NFKC", name or "").strip()


def number(value: Any) -> Fraction | None:
    """The exact value of a number, None if it is not one (text, a boolean, NaN, infinity). A float counts as
    the decimal it prints as (0.1 is 1/10), so weights written 0.5, 0.3, 0.2 sum to exactly 1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    return None


def _check_unique(kind: str, ids: Iterable[Id], errors: list[str]) -> None:
    seen: set[tuple] = set()
    for value in ids:
        key = (type(value), value)
        if key in seen:
            errors.append(f"{kind}{label(value)}重复出现。")
        seen.add(key)


def _key(value: Id) -> tuple:
    return (type(value), value)  # 1 and "1" are different ids


def aggregate(
    criteria: Sequence[Criterion],
    experts: Sequence[Expert],
    items: Sequence[Item],
    sheets: Sequence[Sheet],
    method: str = DEFAULT_METHOD,
    threshold: Any = DEFAULT_THRESHOLD,
) -> RoundResult:
    """The round's figures and ranking; ReviewInputError lists every problem of the input."""
    if method not in METHODS:
        raise ReviewInputError([f"排名方法{label(method)}无效，应为 trimmed、zscore 或 mean。"])
    limit = number(threshold)
    if limit is None or limit < 0:
        raise ReviewInputError([f"分歧阈值{label(threshold)}应为不小于 0 的数。"])

    errors: list[str] = []
    weights: dict[str, Fraction] = {}
    maxima: dict[str, Fraction] = {}
    _check_unique("评分项", (c.key for c in criteria), errors)
    _check_unique("专家", (e.id for e in experts), errors)
    _check_unique("评审项目", (i.id for i in items), errors)
    for criterion in criteria:
        weight, top = number(criterion.weight), number(criterion.max)
        if weight is None:
            errors.append(f"评分项{label(criterion.key)}的权重{shown(criterion.weight)}不是数字。")
        elif weight < 0:
            errors.append(f"评分项{label(criterion.key)}的权重不能为负数（现为 {criterion.weight}）。")
        if top is None:
            errors.append(f"评分项{label(criterion.key)}的满分{shown(criterion.max)}不是数字。")
        elif top <= 0:
            errors.append(f"评分项{label(criterion.key)}的满分必须大于 0（现为 {criterion.max}）。")
        if weight is not None and top is not None:
            weights[criterion.key], maxima[criterion.key] = weight, top
    if len(weights) == len(criteria) and abs(sum(weights.values(), Fraction(0)) - 1) > WEIGHT_TOLERANCE:
        total = sum(weights.values(), Fraction(0))
        errors.append(f"各评分项权重之和应为 1（现为 {_plain(total)}）。")

    expert_by_key = {_key(e.id): e for e in experts}
    item_by_key = {_key(i.id): i for i in items}
    for item in items:  # a mistyped conflict would silently count the conflicted sheet: refused
        for other in item.conflicts:
            if _key(other) not in expert_by_key:
                errors.append(f"评审项目{label(item.id)}的回避专家{label(other)}不在本轮专家名单中。")
    totals: dict[tuple, Fraction] = {}
    seen_sheets: set[tuple] = set()
    for sheet in sheets:
        who = f"专家{label(sheet.expert)}对评审项目{label(sheet.item)}的评分表"
        if _key(sheet.expert) not in expert_by_key:
            errors.append(f"{who}：专家{label(sheet.expert)}不在本轮专家名单中。")
        if _key(sheet.item) not in item_by_key:
            errors.append(f"{who}：评审项目{label(sheet.item)}不在本轮评审项目中。")
        pair = (_key(sheet.expert), _key(sheet.item))
        if pair in seen_sheets:
            errors.append(f"专家{label(sheet.expert)}对评审项目{label(sheet.item)}有两份评分表。")
        seen_sheets.add(pair)
        total, complete = Fraction(0), True
        for criterion in criteria:
            if criterion.key not in sheet.scores:
                errors.append(f"{who}缺少评分项{label(criterion.key)}的得分。")
                complete = False
                continue
            raw = sheet.scores[criterion.key]
            score = number(raw)
            if score is None:
                errors.append(f"{who}中评分项{label(criterion.key)}的得分{shown(raw)}不是数字。")
                complete = False
            elif criterion.key in maxima and not 0 <= score <= maxima[criterion.key]:
                errors.append(
                    f"{who}中评分项{label(criterion.key)}的得分 {raw} 超出 0–{criterion.max} 的范围。"
                )
                complete = False
            elif criterion.key in maxima:
                total += weights[criterion.key] * score / maxima[criterion.key] * 100
        known = {c.key for c in criteria}
        for key in sheet.scores:
            if key not in known:
                errors.append(f"{who}含有本轮没有的评分项{label(key)}。")
        if complete:
            totals[pair] = total
    if errors:
        raise ReviewInputError(errors)

    excluded: list[Exclusion] = []
    counted: dict[tuple, dict[tuple, Fraction]] = defaultdict(dict)  # item → expert → total
    by_expert: dict[tuple, dict[tuple, Fraction]] = defaultdict(dict)  # expert → item → total
    for sheet in sheets:
        expert, item = expert_by_key[_key(sheet.expert)], item_by_key[_key(sheet.item)]
        reason = conflict(expert, item)
        if reason:
            excluded.append(Exclusion(sheet.expert, sheet.item, reason))
            continue
        pair = (_key(sheet.expert), _key(sheet.item))
        counted[pair[1]][pair[0]] = by_expert[pair[0]][pair[1]] = totals[pair]

    stats = {who: _expert_stats(list(scored.values())) for who, scored in by_expert.items()}
    zscores: dict[tuple, Decimal] = {}
    for who, scored in by_expert.items():
        for what, total in scored.items():
            zscores[(who, what)] = _zscore(total, stats[who])

    results = []
    for item in items:
        scored = counted.get(_key(item.id), {})
        if not scored:
            results.append(ItemResult(item.id, 0, None, None, None, None, False, None))
            continue
        values = sorted(scored.values())
        mean = sum(values, Fraction(0)) / len(values)
        trimmed = sum(values[1:-1], Fraction(0)) / (len(values) - 2) if len(values) >= TRIM_FROM else mean
        # summed in a fixed order of the experts, so the input's order cannot change a digit
        ordered = sorted(scored, key=lambda who: id_key(who[1]))
        z_sum = sum((zscores[(who, _key(item.id))] for who in ordered), Decimal(0))
        z_mean = _PRECISION.divide(z_sum, Decimal(len(values)))
        spread = values[-1] - values[0]
        results.append(ItemResult(item.id, len(values), mean, trimmed, z_mean, spread, spread > limit, None))

    ranked = sorted((r for r in results if r.n), key=lambda r: _rank_key(r, method))
    unranked = sorted((r for r in results if not r.n), key=lambda r: id_key(r.id))
    ordered_results = tuple([_with_rank(r, place) for place, r in enumerate(ranked, start=1)] + unranked)
    return RoundResult(
        items=ordered_results,
        excluded=tuple(excluded),
        totals={(k[0][1], k[1][1]): v for k, v in totals.items()},
        zscores={(k[0][1], k[1][1]): v for k, v in zscores.items()},
        experts={k[1]: v for k, v in stats.items()},
    )


def conflict(expert: Expert, item: Item) -> str | None:
    """Why the expert's sheet on the item does not count, or None: the same organisation (after
    normalisation; an empty one never matches) comes before a declared conflict."""
    own = normalise_organisation(expert.organisation)
    if own and any(own == normalise_organisation(other) for other in item.organisations):
        return SAME_ORGANISATION
    if any(_key(expert.id) == _key(other) for other in item.conflicts):
        return DECLARED_CONFLICT
    return None


def _expert_stats(values: list[Fraction]) -> ExpertStats:
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Fraction(0)) / len(values)
    return ExpertStats(len(values), mean, variance, _PRECISION.sqrt(_decimal(variance)))


def _zscore(total: Fraction, stats: ExpertStats) -> Decimal:
    if stats.n == 1 or stats.variance == 0:
        return Decimal(0)
    return _PRECISION.divide(_decimal(total - stats.mean), stats.std)


def _rank_key(result: ItemResult, method: str) -> tuple:
    if method == "zscore":
        primary: Any = result.zscore.quantize(_TIE_PLACES, rounding=ROUND_HALF_UP)
    else:
        primary = result.trimmed if method == "trimmed" else result.mean
    return (-primary, -result.mean, id_key(result.id))


def _with_rank(result: ItemResult, rank: int) -> ItemResult:
    return ItemResult(
        result.id,
        result.n,
        result.mean,
        result.trimmed,
        result.zscore,
        result.spread,
        result.disagreement,
        rank,
    )


def _decimal(value: Fraction) -> Decimal:
    return _PRECISION.divide(Decimal(value.numerator), Decimal(value.denominator))


def round_half_up(value: Fraction | Decimal, places: int = 4) -> Decimal:
    """The value to `places` decimals, halves away from zero; exact for fractions."""
    if isinstance(value, Decimal):
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        scaled = abs(value) * 10**places
        whole, rest = divmod(scaled.numerator, scaled.denominator)
        whole += 2 * rest >= scaled.denominator
        rounded = Decimal(whole if value >= 0 else -whole).scaleb(-places)
    return rounded if rounded else Decimal(0).quantize(Decimal(1).scaleb(-places))  # no -0.0000


def _output(value: Fraction | Decimal | None) -> float | None:
    return None if value is None else float(round_half_up(value))


def _plain(value: Fraction) -> str:
    return f"{round_half_up(value, 12).normalize():f}"


def round_from_data(data: Any) -> tuple[list[Criterion], list[Expert], list[Item], list[Sheet]]:
    """The round of a `review rank` input file (docs/REVIEW.md); ReviewInputError names what is malformed."""
    if not isinstance(data, dict):
        raise ReviewInputError(["输入应为 JSON 对象，含 criteria、experts、items、scores 四项。"])
    errors = []
    for part in ("criteria", "experts", "items", "scores"):
        if part not in data:
            errors.append(f"输入缺少“{part}”。")
        elif not isinstance(data[part], list):
            errors.append(f"“{part}”应为数组。")
    if errors:
        raise ReviewInputError(errors)

    def entries(part: str) -> Iterable[tuple[str, dict]]:
        for index, entry in enumerate(data[part], start=1):
            where = f"“{part}”第 {index} 项"
            if isinstance(entry, dict):
                yield where, entry
            else:
                errors.append(f"{where}应为 JSON 对象。")

    def an_id(where: str, entry: dict, name: str) -> Id | None:
        value = entry.get(name)
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            errors.append(f"{where}的“{name}”应为整数或非空字符串。")
            return None
        return value

    def texts(where: str, entry: dict, name: str) -> tuple[str, ...]:
        value = entry.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{where}的“{name}”应为字符串数组。")
            return ()
        return tuple(value)

    criteria, experts, items, sheets = [], [], [], []
    for where, entry in entries("criteria"):
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            errors.append(f"{where}的“key”应为非空字符串。")
        for name in ("weight", "max"):
            if name not in entry:
                errors.append(f"{where}缺少“{name}”。")
        criteria.append(Criterion(key, entry.get("weight"), entry.get("max")))
    for where, entry in entries("experts"):
        organisation = entry.get("organisation") or ""
        if not isinstance(organisation, str):
            errors.append(f"{where}的“organisation”应为字符串。")
        experts.append(
            Expert(an_id(where, entry, "id"), organisation if isinstance(organisation, str) else "")
        )
    for where, entry in entries("items"):
        conflicts = entry.get("conflicts") or []
        if not isinstance(conflicts, list) or not all(
            isinstance(c, int | str) and not isinstance(c, bool) for c in conflicts
        ):
            errors.append(f"{where}的“conflicts”应为专家编号的数组。")
            conflicts = []
        items.append(Item(an_id(where, entry, "id"), texts(where, entry, "organisations"), tuple(conflicts)))
    for where, entry in entries("scores"):
        scores = entry.get("scores")
        if not isinstance(scores, dict):
            errors.append(f"{where}的“scores”应为 JSON 对象（评分项 → 得分）。")
            scores = {}
        sheets.append(Sheet(an_id(where, entry, "expert"), an_id(where, entry, "item"), scores))
    if errors:
        raise ReviewInputError(errors)
    return criteria, experts, items, sheets
