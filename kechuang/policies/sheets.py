"""The policies in and out of Excel: grants (奖补兑现) out with the list's filters — they come from a
confirmed list or a decided application, never from a file —, and payments (奖补拨付) in and out: the
treasury's return file, one row a payment identified by its 凭证号, recorded through the same checks as
the page (the grant payable to its confirmed account, never beyond its amount counting the rows above in
the same file); a payment already recorded is never changed by a file (void it on its page)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, register

from .models import Disbursement, DisbursementStatus, Grant, GrantStatus, Instrument, PolicyApplication

MONEY = {"kind": "decimal", "decimal_places": 2, "max_digits": 18}
NOT_IMPORTED = "policies.grants_not_imported"  # a capability no role holds: the sheet only exports


def _in_chunks(objects, size: int):
    """The records in lists of `size` (the last one shorter), for figures looked up once per list."""
    chunk: list = []
    for obj in objects:
        chunk.append(obj)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@register
class InstrumentSheet(Sheet):
    """政策条款, out only: each article with the rule in force today in words and this year's budget
    execution (they are kept on their pages, their rules versioned there)."""

    key = "policy-instruments"
    title = "政策条款"
    registry = "policy-instruments"
    view_capability = Capability.VIEW_POLICIES
    import_capability = NOT_IMPORTED
    natural_key = ("number", "article")
    columns = [
        Column("number", "文号", readonly=True, width=24),
        Column("document", "政策文件", readonly=True, width=30),
        Column("article", "条款", readonly=True, width=8),
        Column("name", "名称", readonly=True, width=22),
        Column("kind", "类别", readonly=True, width=14),
        Column("mode", "兑现方式", readonly=True, width=10),
        Column("beneficiary", "受益对象", readonly=True, width=30),
        Column("lead", "牵头单位", readonly=True, width=14),
        Column("rule_from", "现行规则起始日", kind="date", readonly=True),
        Column("conditions", "条件", readonly=True, width=40),
        Column("amount_rule", "金额规则", readonly=True, width=50),
        Column("year", "预算年度", kind="int", readonly=True),
        Column("budget", "预算（含调整，元）", readonly=True, **MONEY),
        Column("committed", "已审定（元）", readonly=True, **MONEY),
        Column("paid", "已拨付（元）", readonly=True, **MONEY),
    ]

    def queryset(self, user):
        return visible_to(
            user, Instrument.objects.select_related("document", "lead_department"), Capability.VIEW_POLICIES
        ).order_by("document__number", "sort_order", "pk")

    def export_rows(self, objects):
        """The rows with the rule in force and this year's execution, read once per chunk of articles."""
        for chunk in _in_chunks(objects, 500):
            yield from self._with_figures(chunk)

    def _with_figures(self, chunk):
        from django.db.models import Q
        from django.utils import timezone

        from . import grants, rules
        from .models import Rule

        today = timezone.localdate()
        in_force: dict[int, Rule] = {}
        for rule in (
            Rule.objects.filter(instrument__in=chunk, valid_from__lte=today)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .order_by("instrument_id", "-valid_from", "-version")
        ):
            in_force.setdefault(rule.instrument_id, rule)
        figures = grants.execution(chunk, today.year)
        for instrument, execution in zip(chunk, figures, strict=True):
            rule = in_force.get(instrument.pk)
            yield {
                **self.export_row(instrument),
                "rule_from": rule.valid_from if rule else None,
                "conditions": "；".join(rules.describe_condition(c) for c in rule.conditions) if rule else "",
                "amount_rule": rules.describe_amount(rule.amount) if rule else "",
                "year": today.year,
                "budget": execution.budget,
                "committed": execution.committed,
                "paid": execution.paid,
            }

    def export_row(self, i: Instrument) -> dict:
        return {
            ID_HEADER: i.pk,
            "number": i.document.number,
            "document": i.document.title,
            "article": i.article,
            "name": i.name,
            "kind": i.get_kind_display(),
            "mode": i.get_mode_display(),
            "beneficiary": i.beneficiary,
            "lead": i.lead_department.name if i.lead_department_id else "",
            "rule_from": None,
            "conditions": "",
            "amount_rule": "",
            "year": None,
            "budget": None,
            "committed": None,
            "paid": None,
        }


@register
class GrantSheet(Sheet):
    key = "grants"
    title = "奖补兑现"
    registry = "grants"
    view_capability = Capability.VIEW_POLICIES
    import_capability = NOT_IMPORTED
    natural_key = ("credit_code", "instrument", "budget_year")
    columns = [
        Column("credit_code", "统一社会信用代码", readonly=True, width=22),
        Column("enterprise", "企业名称", readonly=True, width=30),
        Column("town", "镇乡街道", readonly=True, width=12),
        Column("instrument", "政策条款", readonly=True, width=22),
        Column("budget_year", "兑现年度", kind="int", readonly=True),
        Column("amount", "审定金额（元）", readonly=True, **MONEY),
        Column("paid", "已拨付（元）", readonly=True, **MONEY),
        Column("decision_number", "审定文号", readonly=True, width=22),
        Column("decided_on", "审定日期", kind="date", readonly=True),
        Column("status", "状态", readonly=True),
        Column("reasons", "测算依据", readonly=True, width=60),
    ]

    def queryset(self, user):
        return visible_to(
            user, Grant.objects.select_related("enterprise__town", "instrument"), Capability.VIEW_POLICIES
        ).order_by("-budget_year", "instrument__sort_order", "enterprise__name", "pk")

    def export_rows(self, objects):
        """The rows with what was paid of each, looked up once per chunk of grants."""
        for chunk in _in_chunks(objects, 2000):
            yield from self._with_paid(chunk)

    def _with_paid(self, chunk):
        paid = defaultdict(Decimal)
        for grant_id, amount in Disbursement.objects.filter(
            grant__in=[g.pk for g in chunk], status=DisbursementStatus.PAID
        ).values_list("grant_id", "amount"):
            paid[grant_id] += amount
        for grant in chunk:
            yield {**self.export_row(grant), "paid": paid[grant.pk]}

    def export_row(self, g: Grant) -> dict:
        return {
            ID_HEADER: g.pk,
            "credit_code": g.enterprise.credit_code,
            "enterprise": g.enterprise.name,
            "town": g.enterprise.town.name,
            "instrument": g.instrument.name,
            "budget_year": g.budget_year,
            "amount": g.amount,
            "paid": None,
            "decision_number": g.decision_number,
            "decided_on": g.decided_on,
            "status": g.get_status_display(),
            "reasons": "；".join(r.get("text", "") for r in g.reasons),
        }


@register
class ApplicationSheet(Sheet):
    """政策兑现申请, out only: they are filed and decided on their pages."""

    key = "policy-applications"
    title = "政策兑现申请"
    registry = "policy-applications"
    view_capability = Capability.VIEW_POLICIES
    import_capability = NOT_IMPORTED
    natural_key = ("number",)
    columns = [
        Column("number", "申请编号", readonly=True, width=16),
        Column("credit_code", "统一社会信用代码", readonly=True, width=22),
        Column("enterprise", "企业名称", readonly=True, width=30),
        Column("town", "镇乡街道", readonly=True, width=12),
        Column("window", "申报批次", readonly=True, width=30),
        Column("checker", "初审单位", readonly=True, width=16),
        Column("computed", "测算金额（元）", readonly=True, **MONEY),
        Column("requested", "申请金额（元）", readonly=True, **MONEY),
        Column("proposed", "拟兑现金额（元）", readonly=True, **MONEY),
        Column("review_score", "专家评审得分", readonly=True),
        Column("submitted_on", "提交日期", kind="date", readonly=True),
        Column("status", "状态", readonly=True),
    ]

    def queryset(self, user):
        return visible_to(
            user,
            PolicyApplication.objects.select_related("enterprise__town", "window", "checker"),
            Capability.VIEW_POLICIES,
        ).order_by("-window__budget_year", "window", "number", "pk")

    def export_row(self, a: PolicyApplication) -> dict:
        return {
            ID_HEADER: a.pk,
            "number": a.number,
            "credit_code": a.enterprise.credit_code,
            "enterprise": a.enterprise.name,
            "town": a.enterprise.town.name,
            "window": a.window.title,
            "checker": a.checker.name,
            "computed": a.computed,
            "requested": a.requested,
            "proposed": a.proposed,
            "review_score": a.review_score,
            "submitted_on": a.submitted_on,
            "status": a.get_status_display(),
        }


@register
class DisbursementSheet(Sheet):
    key = "disbursements"
    title = "奖补拨付"
    registry = "disbursements"
    view_capability = Capability.VIEW_POLICIES
    import_capability = Capability.MANAGE_POLICIES
    natural_key = ("voucher",)
    columns = [
        Column("voucher", "凭证号", required=True, max_length=60, width=20),
        Column("credit_code", "统一社会信用代码", required=True, max_length=18, width=22),
        Column("enterprise", "企业名称", readonly=True, width=30),
        Column("instrument", "政策条款", required=True, max_length=100, width=22),
        Column("budget_year", "兑现年度", kind="int", required=True, min_value=2000, max_value=2100),
        Column("amount", "拨付金额（元）", **{**MONEY, "min_value": 0.01}, required=True),
        Column("paid_on", "拨付日期", kind="date", required=True),
        Column("status", "状态", readonly=True),
    ]
    instructions = [
        "每行一笔已拨付的奖补资金（国库回单），以“凭证号”识别：新的凭证号登记为已拨付，已登记的不能由导入修改（须在拨付记录页作废）。",
        "按统一社会信用代码、政策条款名称和兑现年度找到审定的奖补；须企业已确认收款账户，按确认的账户登记。",
        "同一笔奖补的拨付合计（含本文件中前面的行）不能超过审定金额。",
    ]

    def queryset(self, user):
        return visible_to(
            user,
            Disbursement.objects.select_related("grant__enterprise", "grant__instrument"),
            Capability.VIEW_POLICIES,
        ).order_by("-paid_on", "-pk")

    def export_row(self, p: Disbursement) -> dict:
        return {
            ID_HEADER: p.pk,
            "voucher": p.voucher,
            "credit_code": p.grant.enterprise.credit_code,
            "enterprise": p.grant.enterprise.name,
            "instrument": p.grant.instrument.name,
            "budget_year": p.grant.budget_year,
            "amount": p.amount,
            "paid_on": p.paid_on,
            "status": p.get_status_display(),
        }

    def prepare(self, user) -> Context:
        grants = visible_to(
            user,
            Grant.objects.exclude(status=GrantStatus.REVOKED).select_related("enterprise", "instrument"),
            Capability.MANAGE_POLICIES,
        )
        paid = defaultdict(Decimal)
        for grant_id, amount in Disbursement.objects.filter(status=DisbursementStatus.PAID).values_list(
            "grant_id", "amount"
        ):
            paid[grant_id] += amount
        return Context(
            user=user,
            data={
                "grants": {(g.enterprise.credit_code, g.instrument.name, g.budget_year): g for g in grants},
                "vouchers": {
                    p.voucher: p
                    for p in Disbursement.objects.select_related("grant__enterprise", "grant__instrument")
                },
                "paid": paid,  # grant id → paid so far, the file's rows above included
            },
        )

    def check_row(self, values: dict, context: Context) -> dict:
        code = (values.get("credit_code") or "").strip().upper()
        stored = context.data["vouchers"].get(values.get("voucher"))
        if stored is not None:
            same = (
                stored.grant.enterprise.credit_code == code
                and stored.grant.instrument.name == values.get("instrument")
                and stored.grant.budget_year == values.get("budget_year")
                and stored.amount == values.get("amount")
                and stored.paid_on == values.get("paid_on")
                and stored.status == DisbursementStatus.PAID
            )
            return {} if same else {"voucher": "该凭证号的拨付已登记且内容不同：已登记的拨付不能由导入修改"}
        grant = context.data["grants"].get((code, values.get("instrument"), values.get("budget_year")))
        if grant is None:
            return {"instrument": "未找到该企业在该兑现年度的这项奖补，或不在您的管理范围内"}
        if grant.status == GrantStatus.AWAITING_ACCOUNT:
            return {"credit_code": "企业尚未确认收款账户（或账户变更后尚未重新确认），不能拨付"}
        if grant.status != GrantStatus.PAYABLE:
            return {"amount": f"该奖补“{grant.get_status_display()}”，不能再拨付"}
        left = grant.amount - context.data["paid"][grant.pk]
        if values["amount"] > left:
            return {"amount": f"超过该奖补未拨付的 {max(left, Decimal(0)):,.2f} 元（含本文件前面的行）"}
        context.data["paid"][grant.pk] += values["amount"]
        return {}

    def apply(self, rows, user, context: Context) -> Counts:
        from . import grants

        counts = Counts()
        by_day: dict = defaultdict(list)
        for _, values in rows:
            if values["voucher"] in context.data["vouchers"]:
                counts.unchanged += 1
                continue
            code = values["credit_code"].strip().upper()
            grant = context.data["grants"][(code, values["instrument"], values["budget_year"])]
            by_day[values["paid_on"]].append((grant, values["amount"], values["voucher"]))
        for day, batch in sorted(by_day.items()):
            counts.created += len(grants.pay_batch(user, batch, paid_on=day))
        return counts
