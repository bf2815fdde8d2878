"""后备库: enterprises without a valid 高新技术企业 certificate, ranked by how close they are to eligibility;
and the certificates about to expire (re-certification reminders)."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Max

from .models import EnterpriseYear, Qualification, valid_on_q
from .rules import params_for
from .selfcheck import check

CONDITION_LABELS = {
    "registered_1y": "注册满一年",
    "ip_owned": "拥有知识产权",
    "field": "属于八大高新技术领域",
    "st_staff_ratio": "科技人员占比≥10%",
    "rd_ratio": "研发费用占比达标",
    "rd_domestic": "境内研发费用占比≥60%",
    "hightech_income": "高新技术产品（服务）收入占比≥60%",
    "incidents": "无重大安全质量环境事件",
    "employees": "职工总数≤500人",
    "sales": "年销售收入≤2亿元",
    "assets": "资产总额≤2亿元",
    "score": "综合评价≥60分",
    "st_staff_zero": "科技人员指标不为0分",
}


def reserve_pool(enterprises, as_of: date) -> list[dict]:
    """Rank enterprises lacking a valid HTE certificate: fewest failed conditions first, then the
    highest reachable innovation score. Four queries whatever the number of enterprises."""
    holders = set(
        Qualification.objects.filter(valid_on_q(as_of), kind__code="hte").values_list(
            "enterprise_id", flat=True
        )
    )
    candidates = [e for e in enterprises.select_related("town").order_by("pk") if e.pk not in holders]
    years = defaultdict(list)
    for row in EnterpriseYear.objects.filter(
        enterprise_id__in=[e.pk for e in candidates],
        superseded_at__isnull=True,
        year__lt=as_of.year,
        year__gte=as_of.year - 3,
    ).order_by("year"):
        years[row.enterprise_id].append(row)
    params = params_for("gqrd", as_of)
    ranked = []
    for enterprise in candidates:
        if not years[enterprise.pk]:
            continue
        result = check(enterprise, "gqrd", as_of, params, years=years[enterprise.pk], hte_valid=False)
        if "error" in result:
            continue
        ranked.append(
            {
                "enterprise": enterprise,
                "failed": result["failed"],
                "failed_labels": [CONDITION_LABELS.get(c, c) for c in result["failed"]],
                "hints": result["hints"],
                "score_range": result["score_total_range"],
                "rd_ratio": result["rd_ratio"],
                "st_staff_ratio": result["st_staff_ratio"],
            }
        )
    ranked.sort(key=lambda r: (len(r["failed"]), -r["score_range"][1], r["enterprise"].name))
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position
    return ranked


def expiring_hte(enterprises, as_of: date, months: int = 6):
    """Valid HTE certificates expiring within `months` of `as_of` and not yet renewed."""
    until = as_of + timedelta(days=round(months * 30.44))
    expiring = (
        Qualification.objects.filter(
            enterprise__in=enterprises,
            kind__code="hte",
            status="valid",
            expires_on__gte=as_of,
            expires_on__lte=until,
        )
        .select_related("enterprise__town")
        .order_by("expires_on")
    )
    latest = dict(
        Qualification.objects.filter(enterprise__in=enterprises, kind__code="hte")
        .values("enterprise_id")
        .annotate(last=Max("issued_on"))
        .values_list("enterprise_id", "last")
    )
    return [q for q in expiring if latest.get(q.enterprise_id) == q.issued_on]  # not yet renewed
