"""The finance registries' sheets for the tabular engine: loans, risk-compensation claims and seed
investments in and out of Excel, each row checked by the models' own rules (the same as the forms)."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.plans.work import task_codes
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from . import rules
from .actions import REGISTRABLE
from .models import (
    Bank,
    ClaimStatus,
    ExitWay,
    Grade,
    Loan,
    LoanStatus,
    RiskClaim,
    SeedForm,
    SeedInvestment,
)


def bank_names() -> list[str]:
    return list(Bank.objects.order_by("name").values_list("name", flat=True))


def _enterprises(user) -> dict:
    """The enterprises `user` may register finance records for, by credit code."""
    found = visible_to(user, Enterprise.objects.select_related("town"), Capability.CHANGE_FINANCE)
    return {e.credit_code: e for e in found.only("pk", "credit_code", "name", "town")}


def _store(model, key: dict, fields: dict, counts: Counts, *, created_extra: dict | None = None):
    current = model.objects.filter(**key).first()
    if current is None:
        model.objects.create(**key, **fields, **(created_extra or {}))
        counts.created += 1
    elif any(getattr(current, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(current, k, v)
        current.save()
        counts.updated += 1
    else:
        counts.unchanged += 1


LOAN_FIELDS = [
    "amount",
    "granted_on",
    "term_months",
    "annual_rate",
    "purpose",
    "settled_on",
    "overdue_on",
    "note",
]


@register
class LoanSheet(Sheet):
    key = "loans"
    title = "知识价值信用贷款"
    registry = "loans"
    view_capability = Capability.VIEW_FINANCE
    import_capability = Capability.CHANGE_FINANCE
    natural_key = ("bank", "contract_number")
    instructions = [
        "同一银行的合同编号只能登记一次；已登记的合同按银行+合同编号更新。",
        f"贷款金额不得超过评价等级对应的授信额度（{rules.credit_lines_text()}）。",
        "状态只在登记时填写（在贷、已结清或逾期）；此后在系统中办理结清、逾期，导入不改变状态。",
    ]
    columns = [
        Column("bank", "贷款银行", kind="choice", required=True, choices=bank_names, width=26),
        Column("contract_number", "合同编号", required=True, max_length=60, width=22),
        Column("credit_code", "企业信用代码", required=True, max_length=18, width=22),
        Column("enterprise_name", "企业名称", readonly=True, width=30),
        Column("grade", "评价等级", kind="choice", required=True, choices=Grade.values),
        Column("amount", "贷款金额（元）", kind="decimal", required=True, decimal_places=2, max_digits=14),
        Column("granted_on", "放款日期", kind="date", required=True),
        Column("term_months", "期限（月）", kind="int", required=True, min_value=1, max_value=60),
        Column("annual_rate", "年利率（%）", kind="decimal", required=True, decimal_places=2, max_digits=5),
        Column("purpose", "贷款用途", max_length=200, width=24),
        Column("status", "状态", kind="choice", choices=LoanStatus.values, help="登记时：在贷/已结清/逾期"),
        Column("settled_on", "结清日期", kind="date"),
        Column("overdue_on", "逾期日期", kind="date"),
        Column("note", "备注", max_length=300, width=24),
        Column("tasks", "计划任务", readonly=True, width=16, help="落实的行动方案任务编号，在系统中维护"),
    ]

    def queryset(self, user):
        return visible_to(
            user, Loan.objects.select_related("bank", "enterprise").prefetch_related("tasks")
        ).order_by("-granted_on", "pk")

    def export_row(self, loan: Loan) -> dict:
        return {
            ID_HEADER: loan.pk,
            "bank": loan.bank.name,
            "contract_number": loan.contract_number,
            "credit_code": loan.enterprise.credit_code,
            "enterprise_name": loan.enterprise.name,
            "grade": loan.grade,
            "status": loan.status,
            "tasks": task_codes(loan),
            **{f: getattr(loan, f) for f in LOAN_FIELDS},
        }

    def prepare(self, user) -> Context:
        return Context(
            user=user,
            data={
                "banks": {b.name: b for b in Bank.objects.all()},
                "enterprises": _enterprises(user),
                "loans": {
                    (loan.bank.name, loan.contract_number): loan
                    for loan in visible_to(user, Loan.objects.select_related("bank"))
                },
                "taken": set(Loan.objects.values_list("bank__name", "contract_number")),
            },
        )

    def _fields(self, values: dict, context: Context) -> dict:
        return {
            "enterprise": context.data["enterprises"].get(values.get("credit_code") or ""),
            "grade": values.get("grade"),
            "amount": values.get("amount"),
            "granted_on": values.get("granted_on"),
            "term_months": values.get("term_months"),
            "annual_rate": values.get("annual_rate"),
            "purpose": values.get("purpose") or "",
            "settled_on": values.get("settled_on"),
            "overdue_on": values.get("overdue_on"),
            "note": values.get("note") or "",
        }

    def check_row(self, values: dict, context: Context) -> dict:
        errors = {}
        code = values.get("credit_code")
        if code not in context.data["enterprises"]:
            errors["credit_code"] = f"“{code}”未登记，或不在您可登记贷款的企业范围内"
        key = (values.get("bank"), values.get("contract_number"))
        current = context.data["loans"].get(key)
        if current is None and key in context.data["taken"]:
            errors["contract_number"] = "该银行的此合同编号已登记（不在您的数据范围内）"
        status = values.get("status") or (current.status if current else LoanStatus.ACTIVE)
        if current is None and status not in REGISTRABLE:
            errors["status"] = f"登记时状态只能是{'、'.join(REGISTRABLE)}"
        if current is not None and values.get("status") and values["status"] != current.status:
            errors["status"] = f"状态为“{current.status}”，须在系统中办理变更，不能通过导入修改"
        if not errors:
            try:
                Loan(
                    bank=context.data["banks"][values["bank"]],
                    contract_number=values["contract_number"],
                    status=status,
                    **self._fields(values, context),
                ).clean()
            except ValidationError as exc:
                errors.update(model_errors(exc))
        return errors

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            key = {
                "bank": context.data["banks"][values["bank"]],
                "contract_number": values["contract_number"],
            }
            fields = self._fields(values, context)
            fields["credit_line"] = rules.credit_line(fields["grade"], fields["granted_on"])
            current = Loan.objects.filter(**key).first()
            created_extra = {"status": values.get("status") or LoanStatus.ACTIVE} if current is None else {}
            _store(Loan, key, fields, counts, created_extra=created_extra)
        return counts


@register
class RiskClaimSheet(Sheet):
    key = "risk-claims"
    title = "风险补偿申请"
    registry = "risk-claims"
    view_capability = Capability.VIEW_FINANCE
    import_capability = Capability.CHANGE_FINANCE
    natural_key = ("bank", "contract_number", "applied_on")
    instructions = [
        "按贷款银行+合同编号+申请日期识别申请；新申请登记为“申请”状态，审核、代偿、追回在系统中办理。",
        "申请代偿金额、市级和区级分担按风险补偿规则计算，导入时不填。",
    ]
    columns = [
        Column("bank", "贷款银行", kind="choice", required=True, choices=bank_names, width=26),
        Column("contract_number", "合同编号", required=True, max_length=60, width=22),
        Column("enterprise_name", "企业名称", readonly=True, width=30),
        Column("applied_on", "申请日期", kind="date", required=True),
        Column(
            "principal",
            "逾期未收回本金（元）",
            kind="decimal",
            required=True,
            decimal_places=2,
            max_digits=14,
        ),
        Column("compensation", "申请代偿金额（元）", readonly=True),
        Column("city_share", "市级分担（元）", readonly=True),
        Column("district_share", "区级分担（元）", readonly=True),
        Column("status", "状态", readonly=True),
        Column("paid_on", "代偿日期", readonly=True),
        Column("voucher", "代偿凭证号", readonly=True),
        Column("recovered", "累计追回金额（元）", readonly=True),
        Column("note", "备注", max_length=300, width=24),
    ]

    def queryset(self, user):
        return visible_to(
            user, RiskClaim.objects.select_related("loan", "loan__bank", "loan__enterprise")
        ).order_by("-applied_on", "pk")

    def export_row(self, claim: RiskClaim) -> dict:
        return {
            ID_HEADER: claim.pk,
            "bank": claim.loan.bank.name,
            "contract_number": claim.loan.contract_number,
            "enterprise_name": claim.loan.enterprise.name,
            "applied_on": claim.applied_on,
            "principal": claim.principal,
            "compensation": claim.compensation,
            "city_share": claim.city_share,
            "district_share": claim.district_share,
            "status": claim.status,
            "paid_on": claim.paid_on,
            "voucher": claim.voucher,
            "recovered": claim.recovered,
            "note": claim.note,
        }

    def prepare(self, user) -> Context:
        loans = visible_to(user, Loan.objects.select_related("bank"), Capability.CHANGE_FINANCE)
        return Context(
            user=user,
            data={
                "loans": {(loan.bank.name, loan.contract_number): loan for loan in loans},
                "claims": {
                    (c.loan_id, c.applied_on): c
                    for c in RiskClaim.objects.filter(loan__in=loans.values("pk"))
                },
                "opened": set(),
            },
        )

    def check_row(self, values: dict, context: Context) -> dict:
        loan = context.data["loans"].get((values.get("bank"), values.get("contract_number")))
        if loan is None:
            return {"contract_number": "该银行的此合同编号未登记，或不在您的数据范围内"}
        current = context.data["claims"].get((loan.pk, values.get("applied_on")))
        if current is not None:
            if values.get("principal") != current.principal and current.status != ClaimStatus.APPLIED:
                return {"principal": f"申请已{current.status}，不能修改逾期本金"}
            claim = copy.copy(current)
            claim.principal, claim.note = values.get("principal"), values.get("note") or ""
        else:
            if loan.pk in context.data["opened"]:
                return {"contract_number": "同一贷款在本文件中有多条新申请"}
            claim = RiskClaim(
                loan=loan, applied_on=values.get("applied_on"), principal=values.get("principal")
            )
        try:
            claim.clean()
        except ValidationError as exc:
            return model_errors(exc)
        if current is None:
            context.data["opened"].add(loan.pk)
        return {}

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            loan = context.data["loans"][(values["bank"], values["contract_number"])]
            key = {"loan": loan, "applied_on": values["applied_on"]}
            probe = RiskClaim(**key, principal=values["principal"])
            probe.compute()
            fields = {
                "principal": values["principal"],
                "compensation": probe.compensation,
                "city_share": probe.city_share,
                "district_share": probe.district_share,
                "note": values.get("note") or "",
            }
            _store(RiskClaim, key, fields, counts)
        return counts


SEED_FIELDS = [
    "kind",
    "amount",
    "invested_on",
    "share_percent",
    "term_months",
    "decided_on",
    "decision_number",
    "exited_on",
    "exit_way",
    "recovered",
    "note",
]


@register
class SeedInvestmentSheet(Sheet):
    key = "seed-investments"
    title = "种子基金投资"
    registry = "seed-investments"
    view_capability = Capability.VIEW_FINANCE
    import_capability = Capability.CHANGE_FINANCE
    natural_key = ("investee", "invested_on", "kind")
    instructions = [
        "被投对象：已登记企业填信用代码，创业团队填团队名称和所在镇乡街道；按被投对象+投资日期+投资方式识别。",
        f"单个项目投资金额不得超过种子基金规则的上限（{rules.seed_cap() / 10000:g}万元）。",
    ]
    columns = [
        Column("credit_code", "企业信用代码", max_length=18, width=22, help="已登记企业填写"),
        Column(
            "investee", "被投对象", required=True, max_length=200, width=30, help="企业名称或创业团队名称"
        ),
        Column("town", "所在镇乡街道", kind="choice", choices=Department.town_names, help="创业团队填写"),
        Column("kind", "投资方式", kind="choice", required=True, choices=SeedForm.values),
        Column("amount", "投资金额（元）", kind="decimal", required=True, decimal_places=2, max_digits=14),
        Column("invested_on", "投资日期", kind="date", required=True),
        Column("share_percent", "持股比例（%）", kind="decimal", decimal_places=2, max_digits=5),
        Column("term_months", "借款期限（月）", kind="int", min_value=1, max_value=600),
        Column("decided_on", "投委会决策日期", kind="date"),
        Column("decision_number", "决策文号", max_length=60, width=20),
        Column("exited_on", "退出日期", kind="date"),
        Column("exit_way", "退出方式", kind="choice", choices=ExitWay.values),
        Column("recovered", "收回金额（元）", kind="decimal", decimal_places=2, max_digits=14),
        Column("note", "备注", max_length=300, width=24),
        Column("tasks", "计划任务", readonly=True, width=16, help="落实的行动方案任务编号，在系统中维护"),
    ]

    def queryset(self, user):
        return visible_to(
            user, SeedInvestment.objects.select_related("enterprise", "town").prefetch_related("tasks")
        ).order_by("-invested_on", "pk")

    def export_row(self, s: SeedInvestment) -> dict:
        return {
            ID_HEADER: s.pk,
            "credit_code": s.enterprise.credit_code if s.enterprise_id else "",
            "investee": s.investee,
            "town": s.town.name,
            "tasks": task_codes(s),
            **{f: getattr(s, f) for f in SEED_FIELDS},
        }

    def prepare(self, user) -> Context:
        towns = visible_to(user, Department.objects.filter(kind=Department.Kind.TOWN), self.import_capability)
        return Context(
            user=user, data={"towns": {t.name: t for t in towns}, "enterprises": _enterprises(user)}
        )

    def _fields(self, values: dict, context: Context) -> dict:
        fields = {f: values.get(f) for f in SEED_FIELDS}
        for name in ("decision_number", "exit_way", "note"):
            fields[name] = fields[name] or ""
        return fields

    def _key(self, values: dict, context: Context) -> dict:
        enterprise = context.data["enterprises"].get(values.get("credit_code") or "")
        if enterprise is not None:
            return {"enterprise": enterprise, "team_name": "", "town": enterprise.town}
        return {
            "enterprise": None,
            "team_name": values.get("investee") or "",
            "town": context.data["towns"].get(values.get("town")),
        }

    def check_row(self, values: dict, context: Context) -> dict:
        code = values.get("credit_code")
        if code and code not in context.data["enterprises"]:
            return {"credit_code": f"“{code}”未登记，或不在您可登记的企业范围内"}
        if not code and values.get("town") not in context.data["towns"]:
            return {"town": "创业团队须填写您可登记的镇乡街道"}
        try:
            SeedInvestment(**self._key(values, context), **self._fields(values, context)).clean()
        except ValidationError as exc:
            return model_errors(exc)
        return {}

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            who = self._key(values, context)
            key = {
                "enterprise": who["enterprise"],
                "team_name": who["team_name"],
                "invested_on": values["invested_on"],
                "kind": values["kind"],
            }
            fields = {**self._fields(values, context), "town": who["town"]}
            fields.pop("kind")
            fields.pop("invested_on")
            _store(SeedInvestment, key, fields, counts)
        return counts
