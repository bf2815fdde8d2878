"""The project registry's sheet: the bureau's 项目台账 in and out of Excel — and the calls' (申报指南).

A row is one project, identified by 申报年度 + 项目编号. A new row registers the project in the status it
has (a ledger of existing projects); for a project already registered the status column must keep its
current status — the lifecycle moves only through its transitions (受理, 立项, 结题 …)."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from kechuang.enterprises.models import Enterprise, QualificationKind
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.plans.work import task_codes
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from . import calls
from .forms import lines_of
from .models import (
    Call,
    CallStatus,
    Category,
    Milestone,
    Payer,
    Payment,
    PaymentStatus,
    Project,
    Status,
    Tranche,
)
from .registries import CALL_UNIT_KINDS, UNIT_KINDS

MONEY = {"kind": "decimal", "decimal_places": 2, "max_digits": 18, "min_value": 0}
FIELDS = [
    "name",
    "category",
    "unit_name",
    "status",
    "applied_on",
    "approved_on",
    "planned_end_on",
    "completed_on",
    "funding",
    "self_funding",
    "note",
]


@register
class ProjectSheet(Sheet):
    key = "projects"
    title = "科技项目"
    registry = "projects"
    view_capability = Capability.VIEW_PROJECTS
    import_capability = Capability.CHANGE_PROJECTS
    natural_key = ("year", "number")
    columns = [
        Column("year", "申报年度", kind="int", required=True, min_value=1990, max_value=2100),
        Column("number", "项目编号", required=True, max_length=40, width=20),
        Column("name", "项目名称", required=True, max_length=200, width=36),
        Column("category", "类别", kind="choice", required=True, choices=Category.values, width=18),
        Column("department", "所在镇街/归口单位", required=True, max_length=100, width=18),
        Column(
            "enterprise_code",
            "承担企业统一社会信用代码",
            max_length=18,
            width=22,
            help="承担单位是登记企业时填写",
        ),
        Column("enterprise_name", "承担企业名称", readonly=True, width=28),
        Column("unit_name", "承担单位名称", max_length=200, width=28, help="承担单位不是登记企业时填写"),
        Column("status", "状态", kind="choice", required=True, choices=Status.values),
        Column("applied_on", "申报日期", kind="date", required=True),
        Column("approved_on", "立项日期", kind="date"),
        Column("planned_end_on", "计划结题日期", kind="date"),
        Column("completed_on", "结题日期", kind="date"),
        Column("funding", "财政资助金额（元）", **MONEY),
        Column("self_funding", "自筹金额（元）", **MONEY),
        Column("note", "备注", max_length=300, width=24),
        Column("tasks", "计划任务", readonly=True, width=16, help="落实的行动方案任务编号，在系统中维护"),
    ]
    instructions = [
        "每行一个项目，以“申报年度 + 项目编号”识别：已登记的项目按此更新，其余新登记。",
        "已登记项目的状态只能在系统中通过办理操作（受理、立项、结题等）变更；导入时“状态”须与系统一致。",
        "承担单位是登记企业时填写其统一社会信用代码，否则填写承担单位名称。",
    ]

    def queryset(self, user):
        return (
            visible_to(user, Project.objects.select_related("department", "enterprise"))
            .prefetch_related("tasks")
            .order_by("-year", "number")
        )

    def export_row(self, p: Project) -> dict:
        return {
            ID_HEADER: p.pk,
            "year": p.year,
            "number": p.number,
            "department": p.department.name,
            "enterprise_code": p.enterprise.credit_code if p.enterprise_id else "",
            "enterprise_name": p.enterprise.name if p.enterprise_id else "",
            "tasks": task_codes(p),
            **{f: getattr(p, f) for f in FIELDS},
        }

    def prepare(self, user) -> Context:
        units = visible_to(user, Department.objects.filter(kind__in=UNIT_KINDS), self.import_capability)
        by_name: dict[str, list] = {}
        for unit in units:
            by_name.setdefault(unit.name, []).append(unit)
        return Context(
            user=user,
            data={
                "units": by_name,
                "enterprises": {
                    e.credit_code: e
                    for e in visible_to(user, Enterprise.objects.only("pk", "credit_code", "name", "town_id"))
                },
                "existing": {
                    (p.year, p.number): p
                    for p in visible_to(
                        user, Project.objects.select_related("department", "call"), self.import_capability
                    )
                },
                "taken": set(Project.objects.values_list("year", "number")),
            },
        )

    def _fields(self, values: dict, context: Context) -> dict:
        units = context.data["units"].get(values.get("department") or "", [])
        fields = {f: values.get(f) for f in FIELDS}
        for money in ("funding", "self_funding"):
            if fields[money] is None:
                fields[money] = 0
        fields["unit_name"] = fields["unit_name"] or ""
        fields["note"] = fields["note"] or ""
        fields["department"] = units[0] if len(units) == 1 else None
        fields["enterprise"] = context.data["enterprises"].get((values.get("enterprise_code") or "").upper())
        return fields

    def check_row(self, values: dict, context: Context) -> dict:
        errors = {}
        units = context.data["units"].get(values.get("department") or "", [])
        if not units:
            errors["department"] = f"“{values.get('department')}”不是您可登记项目的镇街或单位"
        elif len(units) > 1:
            errors["department"] = f"“{values.get('department')}”有重名单位，请在系统中登记"
        code = (values.get("enterprise_code") or "").upper()
        if code and code not in context.data["enterprises"]:
            errors["enterprise_code"] = "未找到该统一社会信用代码的企业，或该企业不在您的数据范围内"
        key = (values.get("year"), values.get("number"))
        current = context.data["existing"].get(key)
        if current is None and key in context.data["taken"]:
            errors["number"] = "该申报年度已有相同编号的项目，且不在您的管理范围内"
        if current is not None and values.get("status") != current.status:
            errors["status"] = (
                f"该项目当前状态为“{current.status}”：状态只能在系统中通过办理操作变更，不能由导入修改"
            )
        if not errors:
            try:
                # an online application keeps its call (the sheet has no column for it): its rules apply
                call = current.call if current is not None else None
                Project(
                    year=values["year"], number=values["number"], call=call, **self._fields(values, context)
                ).clean()
            except ValidationError as exc:
                errors.update(model_errors(exc))
        return errors

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            fields = self._fields(values, context)
            key = (values["year"], values["number"])
            current = Project.objects.filter(year=key[0], number=key[1]).first()
            if current is None:
                Project.objects.create(year=key[0], number=key[1], **fields)
                counts.created += 1
                continue
            fields.pop("status")
            if any(getattr(current, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(current, k, v)
                current.save()
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts


# --- 申报指南 ------------------------------------------------------------------------------------------

SEPARATORS = re.compile(r"[、,，;；\n]+")
CALL_FIELDS = ["title", "category", "budget", "max_request", "opens_on", "closes_on", "note"]


def split_names(text) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(str(text or "")) if part.strip()]


@register
class CallSheet(Sheet):
    """A row is one call, identified by 年度 + 指南编号. A new row registers the call in the status it has
    (past calls kept in Excel; a published one must meet the publishing conditions); an existing call keeps
    its status (发布, 截止 … are steps on its page) and, once published, its fixed rules."""

    key = "calls"
    title = "申报指南"
    registry = "calls"
    view_capability = Capability.VIEW_PROJECTS
    import_capability = Capability.CHANGE_PROJECTS
    natural_key = ("year", "number")
    columns = [
        Column("year", "年度", kind="int", required=True, min_value=1990, max_value=2100),
        Column("number", "指南编号", required=True, max_length=40, width=18),
        Column("title", "指南名称", required=True, max_length=200, width=36),
        Column("category", "项目类别", kind="choice", required=True, choices=Category.values, width=18),
        Column("department", "发布单位", required=True, max_length=100, example="区科技局"),
        Column(
            "topics",
            "支持方向",
            required=True,
            max_length=5000,
            width=40,
            help="每项一行（单元格内换行）",
            example="关键核心技术攻关",
        ),
        Column("budget", "资金预算（元）", **MONEY),
        Column("max_request", "单项申请资助上限（元）", **MONEY, help="0 或空表示不设上限"),
        Column("opens_on", "申报开始日期", kind="date", required=True),
        Column("closes_on", "申报截止日期", kind="date", required=True),
        Column(
            "correction_days", "退回补正期限（天）", kind="int", min_value=0, max_value=365, help="空为 5 天"
        ),
        Column("attachments", "须提交的附件", max_length=2000, width=30, help="每项一行"),
        Column("enterprise_only", "仅限本区登记企业申报", kind="bool", help="是/否，空为是"),
        Column(
            "qualifications",
            "须持有的资质（之一）",
            max_length=300,
            width=24,
            help="资质类型名称，多个用顿号分隔；空为不限",
            example="重庆市科技型企业、高新技术企业",
        ),
        Column("one_per_applicant", "同一单位限报一项", kind="bool", help="是/否，空为是"),
        Column("status", "状态", kind="choice", required=True, choices=CallStatus.values),
        Column("note", "备注", max_length=300, width=24),
        Column("tasks", "计划任务", readonly=True, width=16, help="落实的行动方案任务编号，在系统中维护"),
    ]
    instructions = [
        "每行一个申报指南，以“年度 + 指南编号”识别：已登记的指南按此更新，其余新登记。",
        "已登记指南的状态只能在系统中通过办理操作（发布、截止受理、重新开放、办结）变更；导入时“状态”须与系统一致。",
        "已发布的指南不能再修改年度、指南编号、项目类别、发布单位、仅限登记企业与限报一项。",
        "支持方向、须提交的附件每项一行（单元格内换行）。",
    ]

    def queryset(self, user):
        return calls.readable(
            user, Call.objects.select_related("department").prefetch_related("qualifications", "tasks")
        ).order_by("-year", "number")

    def export_row(self, call: Call) -> dict:
        return {
            ID_HEADER: call.pk,
            "year": call.year,
            "number": call.number,
            "department": call.department.name,
            "topics": call.topics,
            "attachments": call.attachments,
            "correction_days": call.correction_days,
            "enterprise_only": call.enterprise_only,
            "qualifications": "、".join(kind.name for kind in call.qualifications.all()),
            "one_per_applicant": call.one_per_applicant,
            "status": call.status,
            "tasks": task_codes(call),
            **{f: getattr(call, f) for f in CALL_FIELDS},
        }

    def prepare(self, user) -> Context:
        units = visible_to(user, Department.objects.filter(kind__in=CALL_UNIT_KINDS), self.import_capability)
        by_name: dict[str, list] = {}
        for unit in units:
            by_name.setdefault(unit.name, []).append(unit)
        return Context(
            user=user,
            data={
                "units": by_name,
                "kinds": {kind.name: kind for kind in QualificationKind.objects.all()},
                "existing": {
                    (c.year, c.number): c
                    for c in visible_to(
                        user, Call.objects.prefetch_related("qualifications"), self.import_capability
                    )
                },
                "taken": set(Call.objects.values_list("year", "number")),
            },
        )

    def _fields(self, values: dict, context: Context) -> dict:
        units = context.data["units"].get(values.get("department") or "", [])
        fields = {f: values.get(f) for f in CALL_FIELDS}
        for money in ("budget", "max_request"):
            if fields[money] is None:
                fields[money] = 0
        fields["note"] = fields["note"] or ""
        fields["topics"] = lines_of(values.get("topics"))
        fields["attachments"] = lines_of(values.get("attachments"))
        fields["correction_days"] = 5 if values.get("correction_days") is None else values["correction_days"]
        for flag in ("enterprise_only", "one_per_applicant"):
            fields[flag] = True if values.get(flag) is None else bool(values[flag])
        fields["department"] = units[0] if len(units) == 1 else None
        fields["status"] = values.get("status")
        return fields

    def _kinds(self, values: dict, context: Context) -> set:
        return {context.data["kinds"][name] for name in split_names(values.get("qualifications"))}

    def check_row(self, values: dict, context: Context) -> dict:
        errors = {}
        units = context.data["units"].get(values.get("department") or "", [])
        if not units:
            errors["department"] = f"“{values.get('department')}”不是您可发布申报指南的单位"
        elif len(units) > 1:
            errors["department"] = f"“{values.get('department')}”有重名单位，请在系统中登记"
        unknown = [
            name for name in split_names(values.get("qualifications")) if name not in context.data["kinds"]
        ]
        if unknown:
            errors["qualifications"] = (
                f"“{'、'.join(unknown)}”不是资质类型（可选：{'、'.join(context.data['kinds'])}）"
            )
        key = (values.get("year"), values.get("number"))
        current = context.data["existing"].get(key)
        if current is None and key in context.data["taken"]:
            errors["number"] = "该年度已有相同编号的申报指南，且不在您的管理范围内"
        if current is not None and values.get("status") != current.status:
            errors["status"] = (
                f"该指南当前状态为“{current.status}”：状态只能在系统中通过办理操作变更，不能由导入修改"
            )
        if errors:
            return errors
        fields = self._fields(values, context)
        if current is not None:
            refusal = calls.fixed_refusal(current, {**fields, "year": key[0], "number": key[1]})
            if refusal:
                return {None: refusal.rstrip("。")}
        candidate = Call(year=key[0], number=key[1], **fields)
        try:
            candidate.clean()
        except ValidationError as exc:
            errors.update(model_errors(exc))
        if not errors and current is None and candidate.status == CallStatus.OPEN:
            refusal = calls.may_publish(candidate, context.user)
            if refusal:
                errors["status"] = refusal.rstrip("。")
        return errors

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            fields = self._fields(values, context)
            kinds = self._kinds(values, context)
            key = (values["year"], values["number"])
            current = Call.objects.filter(year=key[0], number=key[1]).first()
            if current is None:
                calls.save_call(user, None, year=key[0], number=key[1], qualifications=kinds, **fields)
                counts.created += 1
                continue
            fields.pop("status")
            changed = any(getattr(current, k) != v for k, v in fields.items())
            if changed or set(current.qualifications.all()) != kinds:
                calls.save_call(user, current, qualifications=kinds, **fields)
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts


# --- 资金拨付 ------------------------------------------------------------------------------------------


@register
class PaymentSheet(Sheet):
    """A row is one payment made, identified by its 凭证号: the finance office's record of what it paid.
    A new row is arranged and recorded as paid through the same actions as the pages — its step must
    have been reached (任务书 signed, milestone passed, acceptance passed) and the project's payments stay
    within the amount funded, counting the rows above it in the same file; a payment already recorded
    is never changed by a file (void it on its page)."""

    key = "payments"
    title = "资金拨付"
    registry = "payments"
    view_capability = Capability.VIEW_PROJECTS
    import_capability = Capability.CHANGE_PROJECTS
    natural_key = ("voucher",)
    columns = [
        Column("voucher", "凭证号", required=True, max_length=60, width=20),
        Column("year", "申报年度", kind="int", required=True, min_value=1990, max_value=2100),
        Column("number", "项目编号", required=True, max_length=40, width=20),
        Column("project_name", "项目名称", readonly=True, width=30),
        Column("tranche", "拨付节点", kind="choice", required=True, choices=Tranche.values, width=12),
        Column("milestone", "里程碑序号", kind="int", min_value=1, max_value=99, help="里程碑兑现时填写"),
        Column("payer", "出资方", kind="choice", choices=Payer.values, help="空为区级财政"),
        Column("amount", "金额（元）", **{**MONEY, "min_value": 0.01}, required=True),
        Column("paid_on", "拨付日期", kind="date", required=True),
        Column("status", "状态", readonly=True),
        Column("note", "说明", max_length=200, width=24),
    ]
    instructions = [
        "每行一笔已拨付的资金，以“凭证号”识别：新的凭证号登记为已拨付，已登记的不能由导入修改（须在拨付记录页作废）。",
        "立项拨付须在任务书签订后，里程碑兑现须该里程碑考核通过（填写里程碑序号），验收拨付须结题验收通过。",
        "同一项目的区级拨付合计（含本文件中前面的行）不能超过立项资助金额。",
    ]

    def queryset(self, user):
        return visible_to(user, Payment.objects.select_related("project", "milestone")).order_by("-pk")

    def export_row(self, p: Payment) -> dict:
        return {
            ID_HEADER: p.pk,
            "voucher": p.voucher,
            "year": p.project.year,
            "number": p.project.number,
            "project_name": p.project.name,
            "tranche": p.tranche,
            "milestone": p.milestone.sequence if p.milestone_id else None,
            "payer": p.payer,
            "amount": p.amount,
            "paid_on": p.paid_on,
            "status": p.status,
            "note": p.note,
        }

    def prepare(self, user) -> Context:
        return Context(
            user=user,
            data={
                "projects": {
                    (p.year, p.number): p
                    for p in visible_to(user, Project.objects.all(), self.import_capability)
                },
                "vouchers": {
                    p.voucher: p
                    for p in Payment.objects.exclude(voucher="").select_related("project", "milestone")
                },
                "committed": {},  # (project id, payer) → the file's rows so far
            },
        )

    def check_row(self, values: dict, context: Context) -> dict:
        from . import payments

        project = context.data["projects"].get((values.get("year"), values.get("number")))
        if project is None:
            return {"number": "未找到该申报年度和编号的项目，或该项目不在您的管理范围内"}
        payer = values.get("payer") or Payer.DISTRICT
        stored = context.data["vouchers"].get(values.get("voucher"))
        if stored is not None:
            same = (
                stored.project_id == project.pk
                and stored.tranche == values.get("tranche")
                and stored.payer == payer
                and stored.amount == values.get("amount")
                and stored.paid_on == values.get("paid_on")
                and stored.status == PaymentStatus.PAID
            )
            return {} if same else {"voucher": "该凭证号的拨付已登记且内容不同：已登记的拨付不能由导入修改"}
        milestone = None
        if values.get("tranche") == Tranche.MILESTONE:
            if not values.get("milestone"):
                return {"milestone": "里程碑兑现须填写里程碑序号"}
            milestone = (
                Milestone.objects.filter(task_book__project=project, sequence=values["milestone"])
                .select_related("task_book")
                .first()
            )
            if milestone is None:
                return {"milestone": f"该项目的任务书没有第 {values['milestone']} 个里程碑"}
        refusal = payments.condition(project, values["tranche"], milestone)
        if refusal:
            return {"tranche": refusal}
        amount = values["amount"]
        arranged = Payment.objects.filter(
            project=project,
            tranche=values["tranche"],
            milestone=milestone,
            payer=payer,
            amount=amount,
            status=PaymentStatus.PLANNED,
        )
        if arranged.exists():  # arranged already (a milestone passed): the row records it as paid
            return {}
        totals = payments.totals(project)
        earlier = context.data["committed"].get((project.pk, payer), Decimal("0"))
        if payer == Payer.DISTRICT:
            room = totals.funded - totals.arranged - earlier
        else:
            room = totals.owner_funding - totals.owner_arranged - earlier
        if amount > room:
            return {"amount": f"超过尚可拨付的 {max(room, Decimal('0')):,.2f} 元（含本文件前面的行）"}
        context.data["committed"][(project.pk, payer)] = earlier + amount
        return {}

    def apply(self, rows, user, context: Context) -> Counts:
        from . import payments

        counts = Counts()
        for _, values in rows:
            if values["voucher"] in context.data["vouchers"]:
                counts.unchanged += 1
                continue
            project = context.data["projects"][(values["year"], values["number"])]
            milestone = None
            if values["tranche"] == Tranche.MILESTONE:
                milestone = Milestone.objects.get(task_book__project=project, sequence=values["milestone"])
            # a milestone passed has its payment arranged already: the file records it as paid
            waiting = Payment.objects.filter(
                project=project,
                tranche=values["tranche"],
                milestone=milestone,
                payer=values.get("payer") or Payer.DISTRICT,
                amount=values["amount"],
                status=PaymentStatus.PLANNED,
            ).first()
            if waiting is None:
                waiting = payments.arrange(
                    user,
                    project,
                    tranche=values["tranche"],
                    amount=values["amount"],
                    payer=values.get("payer") or Payer.DISTRICT,
                    milestone=milestone,
                    note=values.get("note") or "",
                )
            payments.pay(user, waiting, paid_on=values["paid_on"], voucher=values["voucher"])
            counts.created += 1
        return counts


# --- 中期检查: the interim-reports registry's export ---
from .interim_sheets import InterimReportSheet  # noqa: E402, F401
# --- end of 中期检查 ---
