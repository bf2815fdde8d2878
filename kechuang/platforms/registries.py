"""The platform registry, declared once: its filters, list, form, actions, sheet, menu and API."""

from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions
from .forms import InstitutionForm
from .models import SERVICE_TYPES, Category, Institution, InstitutionType, Level, active_on_q


def towns(user, capability=None):
    """The towns a platform can sit in, as far as `user` reaches."""
    return visible_to(user, Department.objects.filter(kind=Department.Kind.TOWN), capability).order_by("path")


def _towns_of(request):
    return (
        towns(request.user) if request is not None else Department.objects.filter(kind=Department.Kind.TOWN)
    )


class InstitutionFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "name", "host__name", "host__credit_code", upper=("host__credit_code",), label="名称或依托单位"
    )
    category = filters.ChoiceFilter(choices=Category.choices, method="filter_category", label="类别")
    type = filters.ChoiceFilter(field_name="institution_type", choices=InstitutionType.choices, label="类型")
    level = filters.ChoiceFilter(field_name="level", choices=Level.choices, label="级别")
    town = filters.ModelChoiceFilter(field_name="town", queryset=_towns_of, label="镇乡街道")
    active = filters.BooleanFilter(method="filter_active", label="仅现有效")
    ids = filters.IdsFilter(label="平台编号")

    class Meta:
        model = Institution
        fields = []

    def filter_category(self, queryset, name, value):
        service = {"institution_type__in": SERVICE_TYPES}
        return queryset.filter(**service) if value == Category.SERVICE else queryset.exclude(**service)

    def filter_active(self, queryset, name, value):
        """Recognised and not revoked today (or, with 0, the others)."""
        today = active_on_q(timezone.localdate())
        return queryset.filter(today) if value else queryset.exclude(today)


@register
class InstitutionRegistry(Registry):
    key = "platforms"
    model = Institution
    label = "科技创新平台"
    filterset = InstitutionFilters
    select_related = ("town", "host")
    ordering = ("-recognized_on", "name", "pk")
    columns = [
        Column("name", link=True),
        Column("institution_type"),
        Column("level"),
        Column("town__name", "镇乡街道"),
        Column("host__name", "依托单位", template="platforms/_host.html"),
        Column("recognized_on"),
        Column("revoked", "状态", template="platforms/_status.html"),
    ]
    form = InstitutionForm
    create_label = "登记平台"
    view_capability = Capability.VIEW_PLATFORMS
    change_capability = Capability.CHANGE_PLATFORMS
    save = staticmethod(actions.save_institution)
    delete = staticmethod(actions.delete_institution)
    sheet = "platforms"
    detail_template = "platforms/detail.html"
    menu = Menu("科技创新平台", group="平台与项目", order=30)
    api_fields = [
        "id",
        "name",
        "institution_type",
        "level",
        "town_id",
        "host_id",
        "independent",
        "recognized_on",
        "revoked_on",
        "note",
    ]
    api_write = True

    def form_kwargs(self, request, instance):
        choosable = towns(request.user, Capability.CHANGE_PLATFORMS)
        if instance is not None:  # the current town stays choosable even outside the user's reach
            choosable = keeping(choosable, [instance.town_id])
        hosts = visible_to(request.user, Enterprise.objects.all(), Capability.VIEW_ENTERPRISES)
        if instance is not None and instance.host_id:  # likewise the current host
            hosts = (hosts | Enterprise.objects.filter(pk=instance.host_id)).distinct()
        return {"towns": choosable, "enterprises": hosts}

    def detail_context(self, request, obj):
        return {
            "can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES),
            "category": Category(obj.category).label,
        }
