"""The enterprise registry's sheets for the tabular engine: 企业名录, 企业信息变更, 企业年度数据 and 企业资质.

A row names its enterprise by the credit code; the 企业名称 it gives must be the name registered under that
code (a mistyped code would otherwise land on another enterprise). Only 企业信息变更 — the bureau's sheet
for profile updates — may change a registered name."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.core.personal import personal_fields, shown, unmask
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import CellError, Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from . import creditcode
from .choices import HighTechField, SourceChannel
from .models import Enterprise, EnterpriseYear, Qualification, QualificationKind


def _credit_code(value: str) -> str:
    try:
        return creditcode.validate(value)
    except creditcode.CreditCodeError as exc:
        raise CellError(str(exc)) from None


def _comparable(name: str) -> str:
    """Names compared as written, ignoring spaces and full-/half-width forms (（） vs ())."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def name_refusal(given: str | None, enterprise: Enterprise) -> str | None:
    """Why a row's enterprise name does not fit the enterprise registered under its credit code."""
    if not given or _comparable(given) == _comparable(enterprise.name):
        return None
    return (
        f"企业名称“{given}”与统一社会信用代码 {enterprise.credit_code} 登记的企业名称“{enterprise.name}”"
        "不一致：请核对信用代码是否填错"
    )


ENTERPRISE_NAME = Column(
    "enterprise_name",
    "企业名称",
    max_length=200,
    width=32,
    help="可留空；填写时须与该信用代码登记的企业名称一致",
)

CREDIT_CODE = Column(
    "credit_code",
    "统一社会信用代码",
    required=True,
    max_length=30,
    validators=[_credit_code],
    width=22,
    example="91500154MA5U4C8F9P",
    help="18 位，校验位按 GB 32100-2015 检查",
)


@register
class EnterpriseSheet(Sheet):
    key = "enterprises"
    title = "企业名录"
    view_capability = Capability.VIEW_ENTERPRISES
    import_capability = Capability.CERTIFY_ENTERPRISES
    natural_key = ("credit_code",)
    registry = "enterprises"
    renames = False  # may a row change the registered name of an existing enterprise?
    creates = True  # may a row register a new enterprise?
    instructions = [
        "5. 已登记的企业（按统一社会信用代码识别）：“企业名称”须与系统中登记的名称一致，不一致的行不予导入"
        "（防止信用代码填错而改动另一家企业）。",
        "6. 企业更名由科技局使用“企业信息变更”表导入，不在本表办理。",
    ]
    columns = [
        CREDIT_CODE,
        Column(
            "name", "企业名称", required=True, max_length=200, width=32, example="重庆开州某某科技有限公司"
        ),
        Column(
            "town",
            "所在镇乡街道",
            kind="choice",
            required=True,
            choices=Department.town_names,
            example="汉丰街道",
        ),
        Column(
            "industry_code",
            "行业代码",
            max_length=5,
            example="C3985",
            help="国民经济行业分类（GB/T 4754-2017）",
        ),
        Column("hightech_field", "技术领域", kind="choice", choices=HighTechField.values, example="电子信息"),
        Column("registered_on", "注册日期", kind="date", required=True, example="2019-03-01"),
        Column("source_channel", "来源渠道", kind="choice", choices=SourceChannel.values, example="孵化培育"),
        Column("address", "地址", max_length=200, width=30),
        Column("contact_name", "联系人", max_length=50),
        Column("contact_phone", "联系电话", max_length=30),
    ]
    FIELDS = [
        "name",
        "industry_code",
        "hightech_field",
        "registered_on",
        "source_channel",
        "address",
        "contact_name",
        "contact_phone",
    ]

    def queryset(self, user):
        return visible_to(user, Enterprise.objects.select_related("town")).order_by("credit_code")

    def export_row(self, e: Enterprise) -> dict:
        personal = personal_fields(Enterprise)
        return {
            ID_HEADER: e.pk,
            "credit_code": e.credit_code,
            "town": e.town.name,
            **{f: shown(e, f) if f in personal else getattr(e, f) for f in self.FIELDS},
        }

    @staticmethod
    def unmasked(values: dict, stored: Enterprise | None) -> dict:
        """A row whose personal cells show the stored value's mask (an export re-imported) means those
        values unchanged."""
        if stored is None:
            return values
        return {
            **values,
            **{
                name: unmask(field.kind, values.get(name), getattr(stored, name))
                for name, field in personal_fields(Enterprise).items()
                if name in values
            },
        }

    def prepare(self, user) -> Context:
        towns = visible_to(user, Department.objects.filter(kind=Department.Kind.TOWN), self.import_capability)
        changeable = visible_to(user, Enterprise.objects.all(), Capability.CHANGE_ENTERPRISES)
        return Context(
            user=user,
            data={
                "towns": {t.name: t for t in towns},
                "existing": {
                    e.credit_code: e
                    for e in Enterprise.objects.all().only(
                        "pk", "credit_code", "name", *personal_fields(Enterprise)
                    )
                },
                "changeable": set(changeable.values_list("pk", flat=True)),
            },
        )

    def check_row(self, values: dict, context: Context) -> dict:
        errors = {}
        town = context.data["towns"].get(values.get("town"))
        if town is None:
            errors["town"] = f"“{values.get('town')}”不在您可登记的镇乡街道范围内"
        existing = context.data["existing"].get(values.get("credit_code"))
        values = self.unmasked(values, existing)
        if existing is None and not self.creates:
            errors["credit_code"] = "该企业尚未登记：本表只更新已登记的企业，新企业请用“企业名录”表导入"
        elif existing is not None and existing.pk not in context.data["changeable"]:
            errors["credit_code"] = "该企业已登记，但不在您的数据范围内"
        elif existing is not None and not self.renames:
            refusal = name_refusal(values.get("name"), existing)
            if refusal:
                errors["name"] = refusal
        if values.get(ID_HEADER) and existing is not None and values[ID_HEADER] != existing.pk:
            errors[None] = "隐藏的编号与统一社会信用代码不一致（请勿改动导出文件的信用代码）"
        if not errors:
            candidate = Enterprise(
                town=town,
                credit_code=values["credit_code"],
                **{f: values.get(f) or ("" if f != "registered_on" else None) for f in self.FIELDS},
            )
            try:
                candidate.full_clean(exclude=["credit_code", "town"])
            except ValidationError as exc:
                errors.update(model_errors(exc))
        return errors

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        towns = context.data["towns"]
        for _, values in rows:
            current = Enterprise.objects.filter(credit_code=values["credit_code"]).first()
            values = self.unmasked(values, current)
            fields = {
                f: values.get(f) if values.get(f) is not None else ("" if f != "registered_on" else None)
                for f in self.FIELDS
            }
            fields["town"] = towns[values["town"]]
            if current is None:
                enterprise = Enterprise(credit_code=values["credit_code"], **fields)
                enterprise.save()
                context.data["existing"][enterprise.credit_code] = enterprise
                context.data["changeable"].add(enterprise.pk)
                counts.created += 1
                continue
            if not self.renames:
                fields["name"] = (
                    current.name
                )  # the same name, perhaps written differently: kept as registered
            changed = [k for k, v in fields.items() if getattr(current, k) != v]
            if changed:
                for k in changed:
                    setattr(current, k, fields[k])
                current.save()
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts


@register
class EnterpriseProfileSheet(EnterpriseSheet):
    """企业信息变更: the bureau's updates of registered enterprises' profiles, renames included."""

    key = "enterprise-profiles"
    title = "企业信息变更"
    import_capability = Capability.CERTIFY_ENTERPRISES
    renames = True
    creates = False
    instructions = [
        "5. 本表只更新已登记企业的信息（按统一社会信用代码识别），不登记新企业；新企业请用“企业名录”表导入。",
        "6. “企业名称”与系统中登记的名称不同，即为企业更名：导入后按新名称登记，原名称记入审计日志。"
        "请在变更原因中写明更名依据（如营业执照变更日期）。",
        "7. 建议先导出要变更的企业，只修改需要变更的单元格，再导入。",
    ]


MONEY_HELP = "单位：元"


def _with_shared_towns(enterprises) -> dict[str, Enterprise]:
    """credit code → enterprise, each with its town attached from one shared set of towns (select_related
    would build a town object per enterprise: at province scale that alone is ~100 MB)."""
    found = {e.credit_code: e for e in enterprises}
    towns = Department.objects.in_bulk({e.town_id for e in found.values()})
    for enterprise in found.values():
        enterprise._state.fields_cache["town"] = towns[enterprise.town_id]
    return found


class _PerEnterpriseSheet(Sheet):
    """Records that hang on an enterprise (yearly data, qualifications): rows name the enterprise by its
    credit code, which must be registered and within the user's reach for `import_capability`."""

    def prepare(self, user) -> Context:
        reachable = visible_to(user, Enterprise.objects.all(), self.import_capability)
        return Context(
            user=user,
            data={
                "enterprises": _with_shared_towns(reachable),
                "registered": set(Enterprise.objects.values_list("credit_code", flat=True)),
                **self.lookups(),
            },
        )

    def lookups(self) -> dict:
        return {}

    def enterprise_refusal(self, values: dict, context: Context) -> dict:
        code = values.get("credit_code")
        if code in context.data["enterprises"]:
            refusal = name_refusal(values.get("enterprise_name"), context.data["enterprises"][code])
            return {"enterprise_name": refusal} if refusal else {}
        if code in context.data["registered"]:
            return {"credit_code": "该企业不在您的数据范围内"}
        return {"credit_code": "该企业尚未登记，请先导入企业名录"}


@register
class EnterpriseYearSheet(_PerEnterpriseSheet):
    key = "enterprise-years"
    title = "企业年度数据"
    view_capability = Capability.VIEW_ENTERPRISES
    import_capability = Capability.CHANGE_ENTERPRISES
    natural_key = ("credit_code", "year")
    registry = "enterprise-years"
    instructions = [
        "5. 每家企业每年一行；与系统中数据相同的行不会产生新版本，不同的行保存为新版本（旧版本保留）。",
        "6. 企业须已在“企业名录”中登记，且在您的数据范围内。",
        "7. “企业名称”可留空；填写时须与该信用代码登记的企业名称一致，不一致的行不予导入。",
    ]
    columns = [
        CREDIT_CODE,
        ENTERPRISE_NAME,
        Column("year", "年度", kind="int", required=True, min_value=1990, max_value=2100, example="2024"),
        Column(
            "sales_revenue",
            "销售收入",
            kind="decimal",
            decimal_places=2,
            max_digits=18,
            min_value=0,
            help=MONEY_HELP,
        ),
        Column(
            "total_income",
            "总收入",
            kind="decimal",
            decimal_places=2,
            max_digits=18,
            min_value=0,
            help=MONEY_HELP,
        ),
        Column(
            "total_cost",
            "成本费用总额",
            kind="decimal",
            decimal_places=2,
            max_digits=18,
            min_value=0,
            help=MONEY_HELP,
        ),
        Column(
            "rd_expense",
            "研发费用",
            kind="decimal",
            decimal_places=2,
            max_digits=18,
            min_value=0,
            help=MONEY_HELP,
        ),
        Column(
            "rd_domestic",
            "境内研发费用",
            kind="decimal",
            decimal_places=2,
            max_digits=18,
            min_value=0,
            help=MONEY_HELP,
        ),
        Column("net_assets", "净资产", kind="decimal", decimal_places=2, max_digits=18, help=MONEY_HELP),
        Column(
            "total_assets",
            "资产总额",
            kind="decimal",
            decimal_places=2,
            max_digits=18,
            min_value=0,
            help=MONEY_HELP,
        ),
        Column(
            "hightech_income",
            "高新技术产品（服务）收入",
            kind="decimal",
            decimal_places=2,
            min_value=0,
            help=MONEY_HELP,
            width=18,
        ),
        Column("employees", "职工总数", kind="int", min_value=0),
        Column("st_staff", "科技人员数", kind="int", min_value=0),
        Column("rd_staff", "研发人员数", kind="int", min_value=0),
        Column("conversions", "科技成果转化数", kind="int", min_value=0),
        Column("ip_class1", "I类知识产权数", kind="int", min_value=0),
        Column("ip_class2", "II类知识产权数", kind="int", min_value=0),
    ]

    def queryset(self, user):
        return (
            visible_to(user, EnterpriseYear.objects.filter(superseded_at__isnull=True))
            .select_related("enterprise")
            .order_by("enterprise__credit_code", "year")
        )

    def export_row(self, y: EnterpriseYear) -> dict:
        return {
            ID_HEADER: y.pk,
            "credit_code": y.enterprise.credit_code,
            "enterprise_name": y.enterprise.name,
            "year": y.year,
            **y.figures(),
        }

    def lookups(self) -> dict:
        return {"this_year": timezone.localdate().year}

    def check_row(self, values: dict, context: Context) -> dict:
        refusal = self.enterprise_refusal(values, context)
        if refusal:
            return refusal
        if values["year"] > context.data["this_year"]:
            return {"year": f"不能填报未来年度（{values['year']}）"}
        return EnterpriseYear.figure_errors(values)

    def apply(self, rows, user, context: Context) -> Counts:
        """Bulk path: one query for the batch's current versions, new versions written by the bulk writer
        (executemany / COPY) with their audit entries — unchanged rows (a round trip) write nothing."""
        from kechuang.audit.recording import record_bulk, record_bulk_rows
        from kechuang.audit.snapshots import snapshot, snapshot_values
        from kechuang.core.bulkwrite import insert

        from .actions import figures_equal, refresh_stages

        counts = Counts()
        enterprises = context.data["enterprises"]
        keyed = [(enterprises[values["credit_code"]], values) for _, values in rows]
        current = {
            (y.enterprise_id, y.year): y
            for y in EnterpriseYear.objects.filter(
                superseded_at__isnull=True,
                enterprise_id__in={e.pk for e, _ in keyed},
                year__in={v["year"] for _, v in keyed},
            ).select_related("enterprise__town")
        }
        superseded, new_versions = [], []
        recorder = user if getattr(user, "pk", None) else None
        for enterprise, values in keyed:
            figures = {f: values.get(f) for f in EnterpriseYear.FIGURES}
            existing = current.get((enterprise.pk, values["year"]))
            if existing is not None and figures_equal(existing, figures):
                counts.unchanged += 1
                continue
            new_versions.append(
                (
                    enterprise,
                    {
                        "enterprise_id": enterprise.pk,
                        "year": values["year"],
                        "version": existing.version + 1 if existing else 1,
                        "recorded_by_id": recorder.pk if recorder else None,
                        "superseded_at": None,
                        **figures,
                    },
                )
            )
            if existing is None:
                counts.created += 1
            else:
                superseded.append(existing)
                counts.updated += 1
        if superseded:
            now = timezone.now()
            befores = [snapshot(y) for y in superseded]
            EnterpriseYear.objects.filter(pk__in=[y.pk for y in superseded]).update(superseded_at=now)
            for y in superseded:
                y.superseded_at = now
            record_bulk(superseded, "update", befores, [snapshot(y) for y in superseded])
        if new_versions:
            now = timezone.now()
            for _, values in new_versions:
                values["recorded_at"] = now
            ids = insert(EnterpriseYear, [values for _, values in new_versions])
            items, afters = [], []
            for pk, (enterprise, values) in zip(ids, new_versions, strict=True):
                values["id"] = pk
                items.append(
                    (pk, f"{enterprise} {values['year']}年（第{values['version']}版）", enterprise.town.path)
                )
                afters.append(snapshot_values(EnterpriseYear, values))
            record_bulk_rows(EnterpriseYear, items, "create", None, afters)
            refresh_stages({e.pk: e for e, _ in new_versions}.values())
        return counts


def _kind_names() -> list[str]:
    return list(QualificationKind.objects.order_by("sort_order").values_list("name", flat=True))


@register
class QualificationSheet(_PerEnterpriseSheet):
    key = "qualifications"
    title = "企业资质"
    view_capability = Capability.VIEW_ENTERPRISES
    import_capability = Capability.CERTIFY_ENTERPRISES
    natural_key = ("credit_code", "kind", "issued_on")
    registry = "qualifications"
    instructions = [
        "5. 每条认定一行（如一家企业先后两次认定为高新技术企业，即为两行）；“有效期至”留空则按资质类型自动计算。",
        "6. 撤销的资质填写“状态”为“已撤销”并填写撤销日期。",
        "7. “企业名称”可留空；填写时须与该信用代码登记的企业名称一致，不一致的行不予导入。",
    ]
    columns = [
        CREDIT_CODE,
        ENTERPRISE_NAME,
        Column(
            "kind",
            "资质",
            kind="choice",
            required=True,
            choices=_kind_names,
            width=18,
            example="高新技术企业",
        ),
        Column("number", "证书/入库编号", max_length=60, width=22),
        Column("issued_on", "认定日期", kind="date", required=True, example="2021-11-12"),
        Column("expires_on", "有效期至", kind="date", help="留空则按资质类型的有效期计算"),
        Column("status", "状态", kind="choice", choices=["有效", "已撤销"], example="有效"),
        Column("revoked_on", "撤销日期", kind="date"),
        Column("note", "备注", max_length=300, width=24),
    ]
    STATUS = {"有效": "valid", "已撤销": "revoked"}
    FIELDS = ["number", "expires_on", "status", "revoked_on", "note"]

    def queryset(self, user):
        return (
            visible_to(user, Qualification.objects.all())
            .select_related("enterprise", "kind")
            .order_by("enterprise__credit_code", "kind__sort_order", "issued_on")
        )

    def export_row(self, q: Qualification) -> dict:
        status = {v: k for k, v in self.STATUS.items()}[q.status]
        return {
            ID_HEADER: q.pk,
            "credit_code": q.enterprise.credit_code,
            "enterprise_name": q.enterprise.name,
            "kind": q.kind.name,
            "number": q.number,
            "issued_on": q.issued_on,
            "expires_on": q.expires_on,
            "status": status,
            "revoked_on": q.revoked_on,
            "note": q.note,
        }

    def lookups(self) -> dict:
        return {"kinds": {k.name: k for k in QualificationKind.objects.all()}}

    def _fields(self, values: dict, context: Context) -> dict:
        kind = context.data["kinds"][values["kind"]]
        return {
            "number": values.get("number") or "",
            "expires_on": values.get("expires_on") or kind.default_expiry(values["issued_on"]),
            "status": self.STATUS[values.get("status") or "有效"],
            "revoked_on": values.get("revoked_on"),
            "note": values.get("note") or "",
        }

    def check_row(self, values: dict, context: Context) -> dict:
        refusal = self.enterprise_refusal(values, context)
        if refusal:
            return refusal
        candidate = Qualification(
            kind=context.data["kinds"][values["kind"]],
            issued_on=values["issued_on"],
            **self._fields(values, context),
        )
        try:
            candidate.clean()
        except ValidationError as exc:
            return model_errors(exc)
        return {}

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        enterprises, kinds = context.data["enterprises"], context.data["kinds"]
        keyed = [(enterprises[v["credit_code"]], kinds[v["kind"]], v) for _, v in rows]
        existing = {
            (q.enterprise_id, q.kind_id, q.issued_on): q
            for q in Qualification.objects.filter(enterprise_id__in={e.pk for e, _, _ in keyed})
        }
        for enterprise, kind, values in keyed:
            fields = self._fields(values, context)
            current = existing.get((enterprise.pk, kind.pk, values["issued_on"]))
            if current is None:
                Qualification.objects.create(
                    enterprise=enterprise, kind=kind, issued_on=values["issued_on"], **fields
                )
                counts.created += 1
            elif any(getattr(current, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(current, k, v)
                current.save()
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts


TAKEUP_MONEY = {"kind": "decimal", "decimal_places": 2, "max_digits": 18, "min_value": 0}


class TakeupSheet(Sheet):
    """研发费用加计扣除 take-up (takeup.py) out to Excel: the page's rows with its year, town and rate, never
    imported (not registered: the page hands it the rows it computed)."""

    key = "superdeduction"
    title = "研发费用加计扣除情况"
    view_capability = Capability.VIEW_ENTERPRISES
    import_capability = "enterprises.superdeduction_not_imported"  # no role holds it
    natural_key = ("credit_code", "year")
    columns = [
        Column("credit_code", "统一社会信用代码", readonly=True, width=22),
        Column("name", "企业名称", readonly=True, width=32),
        Column("town", "镇乡街道", readonly=True),
        Column("year", "年度", kind="int", readonly=True, width=8),
        Column("industry_code", "行业代码", readonly=True, width=10),
        Column("manufacturing", "制造业", kind="bool", readonly=True, width=8),
        Column("kxqy", "科技型中小企业", kind="bool", readonly=True),
        Column("hte", "高新技术企业", kind="bool", readonly=True),
        Column("rd_expense", "研发费用（元）", readonly=True, **TAKEUP_MONEY),
        Column("rate", "加计扣除比例", kind="decimal", decimal_places=4, readonly=True),
        Column("extra_deduction", "估算加计扣除额（元）", readonly=True, **TAKEUP_MONEY),
        Column("tax_saving", "估算减免税额（元）", readonly=True, **TAKEUP_MONEY),
        Column("note", "说明", readonly=True, width=40),
    ]
    instructions = ["按登记的研发费用全部费用化估算；2022 年适用 75% 的企业未含 10–12 月按 100% 加计的部分。"]

    def export_row(self, row) -> dict:
        e = row.enterprise
        return {
            ID_HEADER: e.pk,
            "credit_code": e.credit_code,
            "name": e.name,
            "town": e.town.name,
            "year": row.year,
            "industry_code": e.industry_code,
            "manufacturing": row.manufacturing,
            "kxqy": row.kxqy,
            "hte": row.hte,
            "rd_expense": row.rd_expense,
            "rate": row.rate_expensed,
            "extra_deduction": row.extra_deduction,
            "tax_saving": row.tax_saving,
            "note": "未含10–12月按100%加计的部分" if row.q4_missing else "",
        }
