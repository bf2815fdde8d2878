"""What a policy rule may read from the registries: named facts of an enterprise in a data year, each
computed for many enterprises at once (one query per fact and parameter, whatever their number) and each
value with the words and the record it comes from — so a 免申即享 list can say why.

A condition or an amount term names a fact and its parameters:

    {"fact": "rd_expense", "year_offset": -1}            上年度研发费用（元）
    {"fact": "first_qualified", "kind": "hte"}           当年首次认定为高新技术企业
    {"fact": "platforms_recognized", "level": ["国家级", "市级"]}   当年新认定的市级以上平台（个）
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Min
from django.urls import reverse

from kechuang.core.numbers import wan
from kechuang.enterprises.models import (
    Enterprise,
    EnterpriseYear,
    Qualification,
    QualificationKind,
    valid_on_q,
)
from kechuang.platforms.models import Institution, Level


@dataclass(frozen=True)
class Value:
    """One enterprise's fact: the value (a number, a flag, or None when the registry has no figure), in
    words, and where it comes from."""

    value: Decimal | bool | None
    text: str
    source: str = ""
    url: str = ""


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str  # "offset" (a year offset, 0 or negative), "qualification" (a kind's code), "levels"
    default: object = None


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    unit: str  # 元, 个, 年, % — "" for a flag
    compute: Callable[[Context, dict], dict[int, Value]] = field(repr=False)
    params: tuple[Param, ...] = ()

    @property
    def is_flag(self) -> bool:
        return self.unit == ""

    def resolved(self, spec: dict) -> dict:
        """The fact's parameters from a condition or term, defaults filled in."""
        return {p.name: spec.get(p.name, p.default) for p in self.params}

    def title(self, params: dict) -> str:
        """The fact in words with its parameters (上年度研发费用, 首次认定为高新技术企业)."""
        return _TITLES.get(self.key, lambda p: self.label)(params)


IN_CHUNK = 20_000  # ids per query (SQLite's bound on a statement's parameters)
_PLACEHOLDER = 987654321


def _url_of(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many pks: the pattern reversed once, the pk put in its place."""
    head, tail = reverse(name, args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


def _chunks(ids: list[int]):
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


class Context:
    """The enterprises and data year a rule is evaluated for; loaded rows are kept for the other facts."""

    def __init__(self, year: int, enterprise_ids: Iterable[int], among=None):
        self.year = year
        self.ids = list(enterprise_ids)
        self.among = among
        self._cache: dict = {}

    def parts(self):
        """What each read filters the enterprises by: the population's own query when given (`among`, a
        queryset of exactly these enterprises: one subquery, however many they are), else the ids a
        chunk at a time."""
        if self.among is not None:
            yield self.among.order_by().values("pk")
        else:
            yield from _chunks(self.ids)

    def cached(self, key, load):
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def years(self, year: int) -> dict[int, EnterpriseYear]:
        """The current version of each enterprise's figures of `year`."""
        return self.cached(
            ("years", year),
            lambda: {
                row.enterprise_id: row
                for chunk in self.parts()
                for row in EnterpriseYear.objects.filter(
                    enterprise_id__in=chunk, year=year, superseded_at__isnull=True
                ).values_list("id", "enterprise_id", "year", "rd_expense", "sales_revenue", named=True)
            },
        )

    def enterprises(self) -> dict[int, Enterprise]:
        return self.cached(
            "enterprises",
            lambda: {
                e.pk: e
                for chunk in self.parts()
                for e in Enterprise.objects.filter(pk__in=chunk).only(
                    "id", "name", "registered_on", "industry_code"
                )
            },
        )

    def kind_name(self, code: str) -> str:
        names = self.cached("kinds", lambda: dict(QualificationKind.objects.values_list("code", "name")))
        return names.get(code, code)


def _year_figure(attr: str, label: str):
    def compute(ctx: Context, params: dict) -> dict[int, Value]:
        year = ctx.year + int(params["year_offset"] or 0)
        found = {}
        url = _url_of("enterprise-years:detail")
        for eid, row in ctx.years(year).items():
            amount = getattr(row, attr)
            found[eid] = Value(
                amount,
                f"{year} 年度{label} {wan(amount)} 万元",
                f"企业年度数据（{year}）",
                url(row.id),
            )
        return found

    return compute


def _rd_increment(ctx: Context, params: dict) -> dict[int, Value]:
    now, before = ctx.years(ctx.year), ctx.years(ctx.year - 1)
    url = _url_of("enterprise-years:detail")
    found = {}
    for eid, row in now.items():
        if eid in before:
            change = row.rd_expense - before[eid].rd_expense
            found[eid] = Value(
                change,
                f"研发费用 {ctx.year} 年 {wan(row.rd_expense)} 万元，较 {ctx.year - 1} 年"
                f"{'增加' if change >= 0 else '减少'} {wan(abs(change))} 万元",
                f"企业年度数据（{ctx.year - 1}—{ctx.year}）",
                url(row.id),
            )
    return found


def _rd_intensity(ctx: Context, params: dict) -> dict[int, Value]:
    found = {}
    url = _url_of("enterprise-years:detail")
    for eid, row in ctx.years(ctx.year).items():
        if row.sales_revenue:
            share = (row.rd_expense / row.sales_revenue * 100).quantize(Decimal("0.01"))
            found[eid] = Value(
                share,
                f"{ctx.year} 年研发费用占销售收入 {share}%",
                f"企业年度数据（{ctx.year}）",
                url(row.id),
            )
    return found


def _qualified(ctx: Context, params: dict) -> dict[int, Value]:
    code, day = params["kind"], date(ctx.year, 12, 31)
    name = ctx.kind_name(code)
    held = {}
    for chunk in ctx.parts():
        for q in (
            Qualification.objects.filter(valid_on_q(day), enterprise_id__in=chunk, kind__code=code)
            .order_by("issued_on")
            .only("id", "enterprise_id", "issued_on", "number")
        ):
            held[q.enterprise_id] = q
    url = _url_of("qualifications:detail")
    found = {}
    for eid in ctx.ids:
        q = held.get(eid)
        if q is None:
            found[eid] = Value(False, f"{ctx.year} 年末不是有效的{name}", "企业资质")
        else:
            number = f" {q.number}" if q.number else ""
            found[eid] = Value(
                True,
                f"{ctx.year} 年末为有效的{name}（{q.issued_on:%Y-%m-%d} 认定{number}）",
                "企业资质",
                url(q.pk),
            )
    return found


def _first_qualified(ctx: Context, params: dict) -> dict[int, Value]:
    code = params["kind"]
    name = ctx.kind_name(code)
    first = {
        eid: day
        for chunk in ctx.parts()
        for eid, day in Qualification.objects.filter(enterprise_id__in=chunk, kind__code=code)
        .values("enterprise_id")
        .annotate(first=Min("issued_on"))
        .values_list("enterprise_id", "first")
    }
    found = {}
    for eid in ctx.ids:
        day = first.get(eid)
        if day is not None and day.year == ctx.year:
            found[eid] = Value(True, f"{day:%Y-%m-%d} 首次认定为{name}", "企业资质")
        elif day is not None:
            found[eid] = Value(False, f"首次认定为{name}在 {day.year} 年，不在 {ctx.year} 年", "企业资质")
        else:
            found[eid] = Value(False, f"尚未认定为{name}", "企业资质")
    return found


def _platforms(ctx: Context, params: dict) -> dict[int, Value]:
    levels = params["level"] or list(Level.values)
    levels = [levels] if isinstance(levels, str) else list(levels)
    rows: dict[int, list[Institution]] = {}
    for chunk in ctx.parts():
        for inst in Institution.objects.filter(
            host_id__in=chunk, level__in=levels, recognized_on__year=ctx.year
        ).order_by("recognized_on", "pk"):
            rows.setdefault(inst.host_id, []).append(inst)
    found = {}
    for eid in ctx.ids:
        got = rows.get(eid, [])
        names = "、".join(
            f"{i.name}（{i.level}{i.institution_type}，{i.recognized_on:%Y-%m-%d}）" for i in got
        )
        found[eid] = Value(
            Decimal(len(got)),
            f"{ctx.year} 年新认定平台 {len(got)} 个" + (f"：{names}" if names else ""),
            "科技创新平台",
            reverse("platforms:detail", args=[got[0].pk]) if got else "",
        )
    return found


def _age(ctx: Context, params: dict) -> dict[int, Value]:
    return {
        eid: Value(
            Decimal(ctx.year - e.registered_on.year),
            f"{e.registered_on:%Y-%m-%d} 注册，至 {ctx.year} 年 {ctx.year - e.registered_on.year} 年",
            "企业名录",
        )
        for eid, e in ctx.enterprises().items()
    }


def _manufacturing(ctx: Context, params: dict) -> dict[int, Value]:
    found = {}
    for eid, e in ctx.enterprises().items():
        code = e.industry_code or "未填"
        yes = bool(e.industry_code) and e.industry_code.startswith("C")
        found[eid] = Value(yes, f"行业代码 {code}（{'属' if yes else '不属'}制造业）", "企业名录")
    return found


OFFSET = Param("year_offset", "年度", "offset", 0)
KIND = Param("kind", "资质", "qualification", "hte")
LEVELS = Param("level", "级别", "levels", None)

FACTS: dict[str, Fact] = {
    f.key: f
    for f in [
        Fact("rd_expense", "研发费用", "元", _year_figure("rd_expense", "研发费用"), (OFFSET,)),
        Fact("sales_revenue", "销售收入", "元", _year_figure("sales_revenue", "销售收入"), (OFFSET,)),
        Fact("rd_increment", "研发费用增量", "元", _rd_increment),
        Fact("rd_intensity", "研发费用占销售收入比例", "%", _rd_intensity),
        Fact("qualified", "年末持有资质", "", _qualified, (KIND,)),
        Fact("first_qualified", "当年首次认定", "", _first_qualified, (KIND,)),
        Fact("platforms_recognized", "当年新认定平台数", "个", _platforms, (LEVELS,)),
        Fact("age_years", "成立年限", "年", _age),
        Fact("manufacturing", "属制造业", "", _manufacturing),
    ]
}


def _offset_words(params: dict) -> str:
    offset = int(params.get("year_offset") or 0)
    return {0: "当年", -1: "上年度", -2: "前年"}.get(offset, f"{offset} 年")


def _levels_words(params: dict) -> str:
    levels = params.get("level") or []
    levels = [levels] if isinstance(levels, str) else levels
    return "、".join(levels) if levels else "各级"


_TITLES: dict[str, Callable[[dict], str]] = {
    "rd_expense": lambda p: f"{_offset_words(p)}研发费用",
    "sales_revenue": lambda p: f"{_offset_words(p)}销售收入",
    "qualified": lambda p: f"年末为有效的{_kind_label(p)}",
    "first_qualified": lambda p: f"当年首次认定为{_kind_label(p)}",
    "platforms_recognized": lambda p: f"当年新认定的{_levels_words(p)}平台数",
}


def _kind_label(params: dict) -> str:
    code = params.get("kind")
    name = QualificationKind.objects.filter(code=code).values_list("name", flat=True).first()
    return name or str(code)
