"""The enterprise registries, declared once: 企业台账 (the profiles), 企业年度数据 (the current version of
each year's figures) and 企业资质 — their filters (one definition for the list page, the exports of the
three sheets and the API), lists, pages and API.

The ledger is the bureau's: it registers enterprises (`enterprises.certify`) and changes profiles
(`enterprises.change`); an enterprise's own users read their record and propose changes through
submissions, never by writing the ledger (the API refuses them as the pages do)."""

from django.db.models import Count, Prefetch
from django.utils import timezone

from kechuang.core.filtering import InvalidQuery, parse_date
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions
from .choices import GrowthStage, HighTechField, SourceChannel
from .forms import EnterpriseForm, QualificationCreateForm, QualificationForm, YearCreateForm, YearForm
from .models import Enterprise, EnterpriseYear, Qualification, QualificationKind, Submission, valid_on_q
from .reserve import CONDITION_LABELS
from .selfcheck import EXPERT_ITEMS, check, expert_scores


def towns(user, capability=None):
    """The towns `user` reaches (with `capability`), in the district's order."""
    return visible_to(user, Department.objects.filter(kind=Department.Kind.TOWN), capability).order_by("path")


def _towns_of(request):
    if request is None:
        return Department.objects.filter(kind=Department.Kind.TOWN)
    return towns(request.user)


def _kinds():
    return [(k.code, k.name) for k in QualificationKind.objects.order_by("sort_order", "code")]


def _holding(queryset, name, code):
    """Enterprises holding a valid qualification of kind `code` today (`name` leads to their id)."""
    holders = Qualification.objects.filter(valid_on_q(timezone.localdate()), kind__code=code)
    return queryset.filter(**{f"{name}__in": holders.values("enterprise_id")})


class EnterpriseFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("name", "credit_code", upper=("credit_code",), label="企业名称或信用代码")
    town = filters.ModelChoiceFilter(field_name="town", queryset=_towns_of, label="镇乡街道")
    qualification = filters.ChoiceFilter(field_name="pk", choices=_kinds, method=_holding, label="有效资质")
    field = filters.ChoiceFilter(field_name="hightech_field", choices=HighTechField.choices, label="技术领域")
    stage = filters.ChoiceFilter(field_name="stage", choices=GrowthStage.choices, label="成长阶段")
    channel = filters.ChoiceFilter(
        field_name="source_channel", choices=SourceChannel.choices, label="来源渠道"
    )
    ids = filters.IdsFilter(label="企业编号")

    class Meta:
        model = Enterprise
        fields = []


class EnterpriseYearFilters(filters.RegistryFilterSet):
    related = {"enterprise": EnterpriseFilters}
    year = filters.YearFilter(field_name="year", label="年度")

    class Meta:
        model = EnterpriseYear
        fields = []


class QualificationFilters(filters.RegistryFilterSet):
    related = {"enterprise": EnterpriseFilters}
    kind = filters.ChoiceFilter(field_name="kind__code", choices=_kinds, label="资质")

    class Meta:
        model = Qualification
        fields = []


def _may(user, capability, enterprise) -> bool:
    return visible_to(user, Enterprise.objects.filter(pk=enterprise.pk), capability).exists()


def as_of_date(request, today):
    """The evaluation day asked for (`as_of`), today by default."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return today
    try:
        return parse_date(text)
    except ValueError as exc:
        raise InvalidQuery(f"查询条件有误：评估日期：{exc}。") from None


def visible_submissions(user, queryset):
    """Submissions the user may see; an unsent draft only by the enterprise itself."""
    from kechuang.org.scope import has_capability

    visible = visible_to(user, queryset.select_related("enterprise__town"))
    if not has_capability(user, Capability.SUBMIT_ENTERPRISE_DATA):
        visible = visible.exclude(status=Submission.Status.DRAFT)
    return visible.order_by("-created_at", "-pk")


@register
class EnterpriseRegistry(Registry):
    key = "enterprises"
    model = Enterprise
    label = "企业"
    filterset = EnterpriseFilters
    select_related = ("town",)
    ordering = ("name", "pk")
    columns = [
        Column("name", "企业名称", link=True),
        Column("credit_code", mono=True),
        Column("town__name", "镇乡街道"),
        Column("hightech_field"),
        Column("stage"),
        Column("valid_qualifications", "有效资质", template="enterprises/_qualifications.html"),
    ]
    form = EnterpriseForm
    create_label = "登记企业"
    view_capability = Capability.VIEW_ENTERPRISES
    change_capability = Capability.CHANGE_ENTERPRISES
    create_capability = Capability.CERTIFY_ENTERPRISES
    save = staticmethod(actions.save_enterprise)
    sheet = "enterprises"
    list_template = "enterprises/enterprise_list.html"
    detail_template = "enterprises/enterprise_detail.html"
    menu = Menu("企业台账", group="科技企业", order=10)
    api_fields = [
        "id",
        "credit_code",
        "name",
        "town_id",
        "industry_code",
        "hightech_field",
        "registered_on",
        "source_channel",
        "address",
        "contact_name",
        "contact_phone",
        "stage",
        "stage_reason",
        "is_active",
    ]
    api_write = True

    def list_queryset(self, request, queryset):
        valid = Qualification.objects.filter(valid_on_q(timezone.localdate())).select_related("kind")
        return queryset.prefetch_related(
            Prefetch("qualifications", queryset=valid, to_attr="valid_qualifications")
        )

    def form_kwargs(self, request, instance):
        if instance is None:
            return {"towns": towns(request.user, Capability.CERTIFY_ENTERPRISES)}
        reach = towns(request.user, Capability.CHANGE_ENTERPRISES)
        return {"towns": keeping(reach, [instance.town_id]), "editing": True}

    def detail_context(self, request, obj):
        today = timezone.localdate()
        as_of = as_of_date(request, today)
        expert = expert_scores(request.GET)
        user = request.user
        return {
            "enterprise": obj,
            "years": list(obj.years.filter(superseded_at__isnull=True).order_by("year")),
            "versions": {row["year"]: row["n"] for row in obj.years.values("year").annotate(n=Count("pk"))},
            "qualifications": obj.qualifications.select_related("kind").order_by(
                "kind__sort_order", "-issued_on"
            ),
            "today": today,
            "stage_history": obj.stage_history.order_by("-data_year", "-decided_at"),
            "kxqy": check(obj, "kxqy", as_of, expert=expert),
            "gqrd": check(obj, "gqrd", as_of, expert=expert),
            "as_of": as_of,
            "condition_labels": CONDITION_LABELS,
            "can_certify": _may(user, Capability.CERTIFY_ENTERPRISES, obj),
            "can_submit": _may(user, Capability.SUBMIT_ENTERPRISE_DATA, obj),
            "submissions": visible_submissions(user, obj.submissions.all())[:20],
            "next_year": today.year - 1,
            "next_year_url": year_url(obj, today.year - 1),
            "expert_items": [(key, label, maximum, expert.get(key)) for key, label, maximum in EXPERT_ITEMS],
        }


@register
class EnterpriseYearRegistry(Registry):
    key = "enterprise-years"
    model = EnterpriseYear
    label = "企业年度数据"
    filterset = EnterpriseYearFilters
    select_related = ("enterprise__town",)
    ordering = ("enterprise__name", "-year", "pk")
    columns = [
        Column("enterprise__name", "企业名称", link=True),
        Column("enterprise__credit_code", "统一社会信用代码", mono=True),
        Column("year"),
        Column("sales_revenue", "销售收入（万元）", money=True),
        Column("rd_expense", "研发费用（万元）", money=True),
        Column("employees"),
        Column("st_staff"),
        Column("version", sort=""),
    ]
    form = YearForm
    create_form = YearCreateForm
    create_label = "填报年度数据"
    view_capability = Capability.VIEW_ENTERPRISES
    change_capability = Capability.CHANGE_ENTERPRISES
    save = staticmethod(actions.save_year)
    sheet = "enterprise-years"
    detail_template = "enterprises/year_detail.html"
    detail_fields = ["enterprise", "year", *EnterpriseYear.FIGURES, "version", "recorded_at", "recorded_by"]
    api_fields = ["id", "enterprise_id", "year", *EnterpriseYear.FIGURES, "version", "recorded_at"]
    api_write = True  # a correction is a new version, as on the page

    def base_queryset(self):
        return super().base_queryset().filter(superseded_at__isnull=True)

    def form_kwargs(self, request, instance):
        if instance is not None:
            return {}
        return {
            "enterprises": _enterprises_of(request, Capability.CHANGE_ENTERPRISES),
            "initial": _named(request),
        }

    def done_message(self, before, saved):
        if before is None:
            return f"已登记 {saved.enterprise.name} {saved.year} 年数据。"
        if saved.pk == before.pk:
            return "数据没有变化，未生成新版本。"
        return f"{saved.year} 年数据已保存为第 {saved.version} 版（原第 {before.version} 版保留可查）。"


def _enterprises_of(request, capability):
    """The enterprises `request.user` may name on a form (by credit code) with `capability`."""
    return visible_to(request.user, Enterprise.objects.all(), capability)


def _named(request) -> dict:
    """The enterprise (`?enterprise=<信用代码>`) and year a create link fills in."""
    initial = {}
    code = request.GET.get("enterprise", "").strip()
    if code:
        initial["enterprise"] = code
    year = request.GET.get("year", "").strip()
    if year.isdigit():
        initial["year"] = int(year)
    return initial


def year_url(enterprise, year: int, current=None) -> str:
    """Where the bureau fills in `year` of `enterprise`: a correction of its current version, or the
    first version."""
    from urllib.parse import urlencode

    from django.urls import reverse

    if current is None:
        current = enterprise.years.filter(year=year, superseded_at__isnull=True).first()
    if current is not None:
        return reverse("enterprise-years:edit", args=[current.pk])
    query = urlencode({"enterprise": enterprise.credit_code, "year": year})
    return f"{reverse('enterprise-years:create')}?{query}"


@register
class QualificationRegistry(Registry):
    key = "qualifications"
    model = Qualification
    label = "企业资质"
    filterset = QualificationFilters
    select_related = ("enterprise__town", "kind")
    ordering = ("enterprise__name", "kind__sort_order", "-issued_on", "pk")
    columns = [
        Column("enterprise__name", "企业名称", link=True),
        Column("kind__name", "资质"),
        Column("number", mono=True),
        Column("issued_on"),
        Column("expires_on"),
        Column("status"),
    ]
    form = QualificationForm
    create_form = QualificationCreateForm
    create_label = "登记资质"
    view_capability = Capability.VIEW_ENTERPRISES
    change_capability = Capability.CERTIFY_ENTERPRISES
    save = staticmethod(actions.save_qualification)
    sheet = "qualifications"
    detail_template = "enterprises/qualification_detail.html"
    api_fields = [
        "id",
        "enterprise_id",
        "kind_id",
        "number",
        "issued_on",
        "expires_on",
        "status",
        "revoked_on",
        "note",
    ]
    api_write = True

    def form_kwargs(self, request, instance):
        if instance is not None:
            return {}
        return {
            "enterprises": _enterprises_of(request, Capability.CERTIFY_ENTERPRISES),
            "initial": _named(request),
        }
