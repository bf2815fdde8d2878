"""The expert pool, declared once: its filters, list, form, actions, menu and API."""

from kechuang.org.models import Department, User
from kechuang.org.roles import Capability, Role
from kechuang.org.scope import visible_to
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions
from .forms import ExpertForm, ReviewRoundForm
from .models import Discipline, Expert, ReviewRound, RoundKind, RoundStatus, Title


def managing_units(user, capability=None):
    """The units that may keep experts (the bureau and departments), as far as `user` reaches."""
    kinds = (Department.Kind.DISTRICT, Department.Kind.DEPARTMENT)
    return visible_to(user, Department.objects.filter(kind__in=kinds), capability).order_by("path")


def _disciplines(request):
    return Discipline.objects.all()


class ExpertFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("name", "organisation", label="姓名或工作单位")
    discipline = filters.ModelChoiceFilter(field_name="disciplines", queryset=_disciplines, label="评审领域")
    title = filters.ChoiceFilter(field_name="title", choices=Title.choices, label="职称")
    available = filters.BooleanFilter(field_name="available", label="可参加评审")
    ids = filters.IdsFilter(label="专家编号")

    class Meta:
        model = Expert
        fields = []


@register
class ExpertRegistry(Registry):
    key = "experts"
    model = Expert
    label = "专家库"
    filterset = ExpertFilters
    select_related = ("department", "user")
    ordering = ("name", "pk")
    columns = [
        Column("name", link=True),
        Column("organisation"),
        Column("title"),
        Column("discipline_text", "评审领域"),
        Column("available", template="reviews/_available.html"),
    ]
    form = ExpertForm
    create_label = "新增专家"
    view_capability = Capability.VIEW_EXPERTS
    change_capability = Capability.CHANGE_EXPERTS
    save = staticmethod(actions.save_expert)
    sheet = "experts"
    menu = Menu("专家库", group="专家评审", order=10)
    detail_fields = [
        "name",
        "organisation",
        "title",
        "position",
        "disciplines",
        "phone",
        "email",
        "department",
        "user",
        "available",
        "unavailable_reason",
        "note",
    ]
    api_fields = [
        "id",
        "name",
        "organisation",
        "title",
        "position",
        "phone",
        "email",
        "department_id",
        "available",
        "unavailable_reason",
        "note",
    ]

    def list_queryset(self, request, queryset):
        return queryset.prefetch_related("disciplines")

    def form_kwargs(self, request, instance):
        units = managing_units(request.user, Capability.CHANGE_EXPERTS)
        accounts = User.objects.filter(is_active=True, grants__role=Role.EXPERT).filter(expert__isnull=True)
        if instance is not None:  # the current unit and account stay choosable
            units = keeping(units, [instance.department_id])
            if instance.user_id:
                accounts = accounts | User.objects.filter(pk=instance.user_id)
        return {"departments": units, "accounts": accounts.distinct().order_by("username")}


class ReviewRoundFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("title", label="名称")
    kind = filters.ChoiceFilter(field_name="kind", choices=RoundKind.choices, label="类别")
    status = filters.ChoiceFilter(field_name="status", choices=RoundStatus.choices, label="状态")
    year = filters.YearFilter(field_name="deadline__year", label="年度")
    ids = filters.IdsFilter(label="轮次编号")

    class Meta:
        model = ReviewRound
        fields = []


@register
class ReviewRoundRegistry(Registry):
    key = "review-rounds"
    model = ReviewRound
    label = "评审轮次"
    filterset = ReviewRoundFilters
    select_related = ("department",)
    ordering = ("-deadline", "-pk")
    columns = [
        Column("title", link=True),
        Column("kind"),
        Column("department__name", "组织单位"),
        Column("deadline"),
        Column("experts_per_item"),
        Column("status"),
    ]
    form = ReviewRoundForm
    create_label = "组织评审"
    workflow_title = "评审办理"
    view_capability = Capability.VIEW_REVIEWS
    change_capability = Capability.MANAGE_REVIEWS
    save = staticmethod(actions.save_round)
    detail_template = "reviews/round_detail.html"
    menu = Menu("评审轮次", group="专家评审", order=20)
    api_fields = [
        "id",
        "title",
        "kind",
        "department_id",
        "deadline",
        "experts_per_item",
        "method",
        "disagreement_threshold",
        "blind",
        "peers_visible",
        "status",
        "note",
    ]

    def form_kwargs(self, request, instance):
        units = managing_units(request.user, Capability.MANAGE_REVIEWS)
        if instance is not None:
            units = keeping(units, [instance.department_id])
        return {"departments": units}

    def detail_context(self, request, obj):
        from .views import round_context

        return round_context(request, obj)
