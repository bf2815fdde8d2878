"""The platform registry's sheet for the tabular engine."""

from django.core.exceptions import ValidationError

from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from .models import Institution, InstitutionType, Level


@register
class InstitutionSheet(Sheet):
    key = "platforms"
    title = "科技创新平台"
    registry = "platforms"
    view_capability = Capability.VIEW_PLATFORMS
    import_capability = Capability.CHANGE_PLATFORMS
    natural_key = ("name", "institution_type", "level")
    columns = [
        Column("name", "名称", required=True, max_length=200, width=36),
        Column(
            "institution_type", "类型", kind="choice", required=True, choices=InstitutionType.values, width=18
        ),
        Column("level", "级别", kind="choice", required=True, choices=Level.values),
        Column("town", "所在镇乡街道", kind="choice", required=True, choices=Department.town_names),
        Column(
            "host_code", "依托单位信用代码", max_length=18, width=22, help="依托企业的统一社会信用代码，可空"
        ),
        Column("independent", "独立法人", kind="bool", help="是/否"),
        Column("recognized_on", "认定日期", kind="date", required=True),
        Column("revoked_on", "撤销/摘牌日期", kind="date"),
        Column("note", "备注", max_length=300, width=24),
    ]
    FIELDS = ["independent", "recognized_on", "revoked_on", "note"]

    def queryset(self, user):
        return visible_to(user, Institution.objects.select_related("town", "host")).order_by("name")

    def export_row(self, i: Institution) -> dict:
        return {
            ID_HEADER: i.pk,
            "name": i.name,
            "institution_type": i.institution_type,
            "level": i.level,
            "town": i.town.name,
            "host_code": i.host.credit_code if i.host else "",
            **{f: getattr(i, f) for f in self.FIELDS},
        }

    def prepare(self, user) -> Context:
        from kechuang.enterprises.models import Enterprise

        towns = visible_to(user, Department.objects.filter(kind=Department.Kind.TOWN), self.import_capability)
        return Context(
            user=user,
            data={
                "towns": {t.name: t for t in towns},
                "hosts": {e.credit_code: e for e in Enterprise.objects.only("pk", "credit_code")},
            },
        )

    def _fields(self, values: dict, context: Context) -> dict:
        return {
            "town": context.data["towns"].get(values.get("town")),
            "host": context.data["hosts"].get(values.get("host_code") or ""),
            "independent": bool(values.get("independent")),
            "recognized_on": values.get("recognized_on"),
            "revoked_on": values.get("revoked_on"),
            "note": values.get("note") or "",
        }

    def check_row(self, values: dict, context: Context) -> dict:
        errors = {}
        if values.get("town") not in context.data["towns"]:
            errors["town"] = f"“{values.get('town')}”不在您可登记的镇乡街道范围内"
        if values.get("host_code") and values["host_code"] not in context.data["hosts"]:
            errors["host_code"] = "依托企业尚未登记"
        if not errors:
            try:
                Institution(
                    name=values["name"],
                    institution_type=values["institution_type"],
                    level=values["level"],
                    **self._fields(values, context),
                ).clean()
            except ValidationError as exc:
                errors.update(model_errors(exc))
        return errors

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            key = {
                "name": values["name"],
                "institution_type": values["institution_type"],
                "level": values["level"],
            }
            fields = self._fields(values, context)
            current = Institution.objects.filter(**key).first()
            if current is None:
                Institution.objects.create(**key, **fields)
                counts.created += 1
            elif any(getattr(current, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(current, k, v)
                current.save()
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts
