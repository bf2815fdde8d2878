"""The expert pool's sheet for the tabular engine: the bureau loads and updates the pool from Excel."""

import re

from django.core.exceptions import ValidationError

from kechuang.core.personal import personal_fields, shown, unmask
from kechuang.org.models import Department, User
from kechuang.org.roles import Capability, Role
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from .models import Discipline, Expert, Title

SEPARATORS = re.compile(r"[、,，;；/\s]+")


def split_disciplines(text) -> list[str]:
    return [part for part in SEPARATORS.split(str(text or "")) if part]


@register
class ExpertSheet(Sheet):
    key = "experts"
    title = "专家库"
    registry = "experts"
    view_capability = Capability.VIEW_EXPERTS
    import_capability = Capability.CHANGE_EXPERTS
    natural_key = ("name", "organisation")
    columns = [
        Column("name", "姓名", required=True, max_length=50),
        Column("organisation", "工作单位", required=True, max_length=200, width=28),
        Column("title", "职称", kind="choice", required=True, choices=Title.values),
        Column("position", "职务", max_length=50),
        Column(
            "disciplines",
            "评审领域",
            required=True,
            max_length=300,
            width=28,
            example="电子信息、新材料",
            help="一个或多个，用顿号分隔",
        ),
        Column("phone", "联系电话", max_length=30),
        Column("email", "电子邮箱", max_length=254, width=24),
        Column("department", "管理单位", required=True, max_length=100, example="区科技局"),
        Column("username", "评审专家账号", max_length=150, help="专家登录评分所用的用户名，可空"),
        Column("available", "可参加评审", kind="bool", help="是/否，空为是"),
        Column("unavailable_reason", "暂停原因", max_length=200),
        Column("note", "备注", max_length=300, width=24),
    ]
    instructions = [
        "5. 同一姓名与工作单位即同一位专家：再次导入即更新其信息；专家调动工作单位时，请导出后在原行修改（保留隐藏编号列）。",
        "6. “评审领域”可填多个，用顿号分隔，须为系统中的评审领域。",
    ]
    FIELDS = ["title", "position", "phone", "email", "unavailable_reason", "note"]

    def queryset(self, user):
        return (
            visible_to(user, Expert.objects.select_related("department", "user"))
            .prefetch_related("disciplines")
            .order_by("name", "pk")
        )

    def export_row(self, e: Expert) -> dict:
        personal = personal_fields(Expert)
        return {
            ID_HEADER: e.pk,
            "name": e.name,
            "organisation": e.organisation,
            "disciplines": e.discipline_text,
            "department": e.department.name,
            "username": e.user.username if e.user_id else "",
            "available": e.available,
            **{f: shown(e, f) if f in personal else getattr(e, f) for f in self.FIELDS},
        }

    def prepare(self, user) -> Context:
        units = visible_to(user, Department.objects.all(), self.import_capability)
        changeable = visible_to(user, Expert.objects.all(), self.import_capability)
        return Context(
            user=user,
            data={
                "units": {d.name: d for d in units},
                "disciplines": {d.name: d for d in Discipline.objects.all()},
                "accounts": {
                    u.username: u
                    for u in User.objects.filter(is_active=True, grants__role=Role.EXPERT).distinct()
                },
                "existing": {(e.name, e.organisation): e for e in Expert.objects.all()},
                "by_id": {e.pk: e for e in Expert.objects.all()},
                "changeable": set(changeable.values_list("pk", flat=True)),
                "linked": dict(Expert.objects.exclude(user=None).values_list("user_id", "pk")),
            },
        )

    def _stored(self, values: dict, context: Context) -> Expert | None:
        if values.get(ID_HEADER):
            return context.data["by_id"].get(values[ID_HEADER])
        return context.data["existing"].get((values.get("name"), values.get("organisation")))

    def _values(self, values: dict, stored: Expert | None) -> dict:
        """Personal cells showing the stored value's mask (an export re-imported) mean those unchanged."""
        if stored is None:
            return values
        return {
            **values,
            **{
                n: unmask(f.kind, values.get(n), getattr(stored, n))
                for n, f in personal_fields(Expert).items()
            },
        }

    def check_row(self, values: dict, context: Context) -> dict:
        errors = {}
        stored = self._stored(values, context)
        values = self._values(values, stored)
        if values.get(ID_HEADER) and stored is None:
            errors[None] = "隐藏的编号不存在（请勿改动导出文件的编号列）"
        elif stored is not None and stored.pk not in context.data["changeable"]:
            errors["name"] = "该专家已在专家库中，但不在您的管理范围内"
        unit = context.data["units"].get(values.get("department"))
        if unit is None:
            errors["department"] = f"“{values.get('department')}”不在您可管理专家的单位范围内"
        unknown = [
            d for d in split_disciplines(values.get("disciplines")) if d not in context.data["disciplines"]
        ]
        if unknown:
            errors["disciplines"] = (
                f"“{'、'.join(unknown)}”不是评审领域（可选：{'、'.join(context.data['disciplines'])}）"
            )
        elif not split_disciplines(values.get("disciplines")):
            errors["disciplines"] = "至少填写一个评审领域"
        username = values.get("username") or ""
        account = context.data["accounts"].get(username)
        if username and account is None:
            errors["username"] = f"“{username}”不是评审专家账号（须由系统管理员创建并授予“评审专家”角色）"
        elif account is not None and context.data["linked"].get(account.pk) not in (
            None,
            getattr(stored, "pk", None),
        ):
            errors["username"] = f"账号“{username}”已关联其他专家"
        if not errors:
            candidate = Expert(**self._fields(values, context))
            try:
                candidate.full_clean(exclude=["user"])
            except ValidationError as exc:
                errors.update(model_errors(exc))
        return errors

    def _fields(self, values: dict, context: Context) -> dict:
        available = values.get("available")
        return {
            "name": values["name"],
            "organisation": values["organisation"],
            "department": context.data["units"][values["department"]],
            "user": context.data["accounts"].get(values.get("username") or ""),
            "available": True if available is None else bool(available),
            **{f: values.get(f) or "" for f in self.FIELDS},
        }

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        for _, values in rows:
            stored = self._stored(values, context)
            if stored is not None:
                stored = Expert.objects.get(pk=stored.pk)
            values = self._values(values, stored)
            fields = self._fields(values, context)
            disciplines = {context.data["disciplines"][d] for d in split_disciplines(values["disciplines"])}
            if stored is None:
                expert = Expert.objects.create(**fields)
                expert.disciplines.set(disciplines)
                context.data["existing"][(expert.name, expert.organisation)] = expert
                counts.created += 1
                continue
            changed = [k for k, v in fields.items() if getattr(stored, k) != v]
            if changed:
                for k in changed:
                    setattr(stored, k, fields[k])
                stored.save()
            if set(stored.disciplines.all()) != disciplines:
                stored.disciplines.set(disciplines)
                changed.append("disciplines")
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts
