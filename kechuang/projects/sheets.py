"""The project registry's sheet: the bureau's 项目台账 in and out of Excel.

A row is one project, identified by 申报年度 + 项目编号. A new row registers the project in the status it
has (a ledger of existing projects); for a project already registered the status column must keep its
current status — the lifecycle moves only through its transitions (受理, 立项, 结题 …)."""

from django.core.exceptions import ValidationError

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from .models import Category, Project, Status
from .registries import UNIT_KINDS

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
    ]
    instructions = [
        "每行一个项目，以“申报年度 + 项目编号”识别：已登记的项目按此更新，其余新登记。",
        "已登记项目的状态只能在系统中通过办理操作（受理、立项、结题等）变更；导入时“状态”须与系统一致。",
        "承担单位是登记企业时填写其统一社会信用代码，否则填写承担单位名称。",
    ]

    def queryset(self, user):
        return visible_to(user, Project.objects.select_related("department", "enterprise")).order_by(
            "-year", "number"
        )

    def export_row(self, p: Project) -> dict:
        return {
            ID_HEADER: p.pk,
            "year": p.year,
            "number": p.number,
            "department": p.department.name,
            "enterprise_code": p.enterprise.credit_code if p.enterprise_id else "",
            "enterprise_name": p.enterprise.name if p.enterprise_id else "",
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
