"""研发费用加计扣除 take-up across the district, estimated from the registry: per enterprise and year, the
rate that applied (制造业 from the industry code, 门类 C; 科技型中小企业 and 高新技术企业 from the
qualifications valid on 31 December of that year), the extra deduction on the year's R&D expense (the
current version of the yearly figures, all of it taken as expensed: the registry keeps no split of
capitalised R&D) and the income tax saved. Two queries whatever the number of enterprises: the yearly
rows, and the qualifications of their enterprises."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from kechuang.core.filtering import InvalidQuery, message, parse_int
from kechuang.org.scope import visible_to

from .models import EnterpriseYear, Qualification
from .superdeduction import compute, load_rules, rate_for

KINDS = ("kxqy", "hte")
RATE_CHOICES = ("0.50", "0.75", "1.00")  # the full-year rates of the expensed R&D (the page's filter)


def is_manufacturing(industry_code: str) -> bool:
    """门类 C (制造业) of GB/T 4754-2017."""
    return (industry_code or "").upper().startswith("C")


@dataclass
class Row:
    enterprise: object
    year: int
    rd_expense: Decimal
    manufacturing: bool
    kxqy: bool
    hte: bool
    rate_expensed: Decimal
    extra_deduction: Decimal
    tax_saving: Decimal
    q4_missing: bool  # 2022 at 75 %: the October–December 100 % is not in the estimate

    @property
    def rate_key(self) -> str:
        return f"{self.rate_expensed:.2f}"


@dataclass
class Totals:
    enterprises: int = 0
    rd_expense: Decimal = Decimal(0)
    extra_deduction: Decimal = Decimal(0)
    tax_saving: Decimal = Decimal(0)

    def add(self, row: Row) -> None:
        self.enterprises += 1
        self.rd_expense += row.rd_expense
        self.extra_deduction += row.extra_deduction
        self.tax_saving += row.tax_saving


@dataclass
class Summary:
    total: Totals = field(default_factory=Totals)
    by_rate: dict[str, Totals] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[Row]) -> Summary:
        summary = cls()
        for row in rows:
            summary.total.add(row)
            summary.by_rate.setdefault(row.rate_key, Totals()).add(row)
        summary.by_rate = dict(sorted(summary.by_rate.items()))
        return summary


def current_years(years: QuerySet) -> QuerySet:
    """The current versions with an R&D expense above zero, from the first year of the EIT law on."""
    return years.filter(superseded_at__isnull=True, rd_expense__gt=0, year__gte=load_rules().first_year)


def years_with_data(years: QuerySet) -> list[int]:
    """The years (newest first) in which some enterprise of `years` has an R&D expense: one query."""
    return list(current_years(years).order_by("-year").values_list("year", flat=True).distinct())


def estimate(years: QuerySet) -> list[Row]:
    """Every current yearly row of `years` (a queryset of EnterpriseYear, already scoped and filtered)
    with its estimate, ordered by enterprise name then year."""
    rows = list(
        current_years(years)
        .select_related("enterprise__town")
        .order_by("enterprise__name", "enterprise_id", "year")
    )
    if not rows:
        return []
    last = max(r.year for r in rows)
    held = defaultdict(list)
    for enterprise_id, code, issued, expires, revoked in (
        Qualification.objects.filter(
            enterprise__in=current_years(years).values("enterprise_id"),
            kind__code__in=KINDS,
            issued_on__lte=date(last, 12, 31),
        )
        .values_list("enterprise_id", "kind__code", "issued_on", "expires_on", "revoked_on")
        .order_by()
    ):
        held[enterprise_id].append((code, issued, expires, revoked))
    rules = load_rules()
    return [_row(r, held[r.enterprise_id], rules) for r in rows]


def _holds(spans, code: str, day: date) -> bool:
    return any(
        c == code
        and issued <= day
        and (expires is None or day <= expires)
        and (revoked is None or day < revoked)
        for c, issued, expires, revoked in spans
    )


def _row(year_row: EnterpriseYear, spans, rules) -> Row:
    end = date(year_row.year, 12, 31)
    manufacturing = is_manufacturing(year_row.enterprise.industry_code)
    kxqy, hte = _holds(spans, "kxqy", end), _holds(spans, "hte", end)
    outcome = compute(
        year_row.year, year_row.rd_expense, manufacturing=manufacturing, kxqy=kxqy, hte=hte, rules=rules
    )
    result = outcome.result
    return Row(
        enterprise=year_row.enterprise,
        year=year_row.year,
        rd_expense=year_row.rd_expense,
        manufacturing=manufacturing,
        kxqy=kxqy,
        hte=hte,
        rate_expensed=result["rate_expensed"],
        extra_deduction=result["extra_deduction"],
        tax_saving=result["tax_saving"],
        q4_missing=rate_for(year_row.year, manufacturing, kxqy, rules).top_up is not None,
    )


def selection(user, params) -> dict:
    """What the page, its export and the API show: the rows of the enterprises `user` sees in the year
    asked for (`year`, the latest with data by default), the towns among them, the totals over the chosen
    `town` and the rows narrowed by `rate` as well. InvalidQuery (Chinese, per parameter) on a bad value."""
    years = visible_to(user, EnterpriseYear.objects.all())
    available = years_with_data(years)
    errors = {}
    year = available[0] if available else timezone.localdate().year
    text = (params.get("year") or "").strip()
    if text:
        try:
            year = parse_int(text, min_value=1000, max_value=9999)
        except ValueError as exc:
            errors["year"] = f"年度：{exc}"
    town = None
    text = (params.get("town") or "").strip()
    if text:
        try:
            town = parse_int(text)
        except ValueError as exc:
            errors["town"] = f"镇乡街道：{exc}"
    rate = (params.get("rate") or "").strip()
    if rate and rate not in RATE_CHOICES:
        errors["rate"] = f"适用比例：“{rate}”不是可选的比例（{'、'.join(RATE_CHOICES)}）"
    if errors:
        raise InvalidQuery(message(errors))
    rows = estimate(years.filter(year=year))
    towns = sorted({r.enterprise.town for r in rows}, key=lambda t: t.path)
    if town is not None:
        rows = [r for r in rows if r.enterprise.town_id == town]
    summary = Summary.of(rows)
    shown = [r for r in rows if r.rate_key == rate] if rate else rows
    return {
        "year": year,
        "years": available,
        "town": town,
        "towns": towns,
        "rate": rate,
        "rates": RATE_CHOICES,
        "summary": summary,
        "rows": shown,
        "q4_missing": any(r.q4_missing for r in rows),
    }


def as_json(selection_: dict, page) -> str:
    """The API's answer: the totals (over the chosen town), by rate, and one page of rows; money and rates
    as JSON numbers exact to the fen."""
    from .superdeduction import to_json

    def totals(t: Totals) -> dict:
        return {
            "enterprises": t.enterprises,
            "rd_expense": t.rd_expense,
            "extra_deduction": t.extra_deduction,
            "tax_saving": t.tax_saving,
        }

    summary = selection_["summary"]
    return to_json(
        {
            "year": selection_["year"],
            "town": selection_["town"],
            "rate": selection_["rate"] or None,
            "assumption": "研发费用全部按费用化估算；2022 年适用 75% 的企业未含 10–12 月按 100% 加计的部分",
            "totals": totals(summary.total),
            "by_rate": {key: totals(t) for key, t in summary.by_rate.items()},
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "rows": [
                {
                    "enterprise": r.enterprise.pk,
                    "credit_code": r.enterprise.credit_code,
                    "name": r.enterprise.name,
                    "town": r.enterprise.town.name,
                    "year": r.year,
                    "manufacturing": r.manufacturing,
                    "kxqy": r.kxqy,
                    "hte": r.hte,
                    "rd_expense": r.rd_expense,
                    "rate_expensed": r.rate_expensed,
                    "extra_deduction": r.extra_deduction,
                    "tax_saving": r.tax_saving,
                    "q4_missing": r.q4_missing,
                }
                for r in page
            ],
        }
    )
