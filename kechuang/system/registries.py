"""The user and department registries and the holiday calendar, declared once: their filters, lists,
forms, actions, menu and API. Passwords, grants and API tokens keep pages of their own (org/urls.py)."""

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Length, Substr
from django.shortcuts import get_object_or_404
from ninja import Schema

from kechuang.core.models import CalendarDay
from kechuang.org import actions as org_actions
from kechuang.org.models import Department, User
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, manage_refusal, visible_to
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions
from .forms import CalendarDayForm, DepartmentForm, UserCreateForm, UserEditForm


def manageable_departments(user):
    """The departments whose people `user` manages, in tree order."""
    return visible_to(user, Department.objects.all(), Capability.MANAGE_USERS).order_by("path")


def _manageable_of(request):
    return manageable_departments(request.user) if request is not None else Department.objects.none()


# --- Users ----------------------------------------------------------------------------------------


class UserFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("username", "display_name", label="用户名或姓名")
    department = filters.ModelChoiceFilter(
        field_name="departments", queryset=_manageable_of, distinct=True, label="所属单位"
    )

    class Meta:
        model = User
        fields = []


class UserOut(Schema):
    """An account as the API shows it: never its password; its phone number and e-mail masked."""

    id: int
    username: str
    display_name: str
    phone: str  # masked, unless the detail is asked with full=1 by who may see it (recorded)
    email: str
    is_active: bool
    departments: list[str]
    grants: list[dict]

    @staticmethod
    def resolve_departments(obj):
        return [m.department.name for m in obj.memberships.all()]

    @staticmethod
    def resolve_grants(obj):
        return [
            {"role": g.role, "scope": g.scope, "department": g.department.name if g.department else None}
            for g in obj.grants.all()
        ]


ACTIVE = "org/_active.html"


@register
class UserRegistry(Registry):
    key = "users"
    model = User
    label = "用户"
    filterset = UserFilters
    ordering = ("username",)
    columns = [
        Column("username", link=True),
        Column("display_name"),
        Column("memberships", "所属单位", sort="", template="org/_user_departments.html"),
        Column("grants", "角色", sort="", template="org/_user_grants.html"),
        Column("is_active", "状态", template=ACTIVE),
    ]
    form = UserEditForm
    create_form = UserCreateForm
    create_label = "新增用户"
    view_capability = Capability.MANAGE_USERS
    change_capability = Capability.MANAGE_USERS
    save = staticmethod(actions.save_user)
    detail_template = "org/user_detail.html"
    sheet = "users"
    menu = Menu("用户管理", group="系统管理", order=20)
    api_schema = UserOut  # never the password
    api_write = True  # through the pages' forms: a new account needs its initial password twice

    def base_queryset(self):
        return User.objects.prefetch_related("memberships__department", "grants__department")

    # the people a manager sees are those they manage
    def queryset(self, user, capability=None):
        return super().queryset(user, capability or Capability.MANAGE_USERS)

    def get(self, user, pk, capability=None):
        return super().get(user, pk, capability or Capability.MANAGE_USERS)

    def can_change(self, user, obj=None) -> bool:
        """Also refused for an account above the manager's own (a system administrator's)."""
        return super().can_change(user, obj) and (obj is None or manage_refusal(user, obj) is None)

    def form_kwargs(self, request, instance):
        departments = manageable_departments(request.user)
        if instance is not None:  # current departments stay choosable even outside the manager's reach
            departments = keeping(
                departments, list(instance.memberships.values_list("department_id", flat=True))
            )
        return {"departments": departments}

    def fields_for_action(self, form):
        d = form.cleaned_data
        fields = {
            "display_name": d["display_name"],
            "phone": d["phone"],
            "departments": d["departments"],
            "enterprise_code": d["enterprise_code"],
        }
        if "username" in d:
            fields.update(username=d["username"], password=d["password1"])
        else:
            fields["is_active"] = d["is_active"]
        return fields

    def detail_context(self, request, obj):
        refusal = manage_refusal(request.user, obj)
        return {
            "memberships": obj.memberships.select_related("department").order_by("-is_primary", "pk"),
            "grants": obj.grants.select_related("department", "granted_by"),
            "refusal": refusal,
            "tokens": obj.api_tokens.select_related("revoked_by"),
            "can_revoke_tokens": refusal is None,
            "enterprises": obj.enterprises.select_related("town"),
        }


# --- Departments ----------------------------------------------------------------------------------


class DepartmentFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("name", "short_name", "code", label="名称、简称或代码")
    kind = filters.ChoiceFilter(field_name="kind", choices=Department.Kind.choices, label="类型")

    class Meta:
        model = Department
        fields = []


class DepartmentOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    code: str
    depth: int
    parent_id: int | None = None
    is_active: bool

    @staticmethod
    def resolve_parent_id(obj):
        if hasattr(obj, "parent_pk"):
            return obj.parent_pk
        parent = Department.objects.get_parent(obj)
        return parent.pk if parent else None


@register
class DepartmentRegistry(Registry):
    key = "departments"
    model = Department
    label = "单位"
    filterset = DepartmentFilters
    ordering = ("path",)
    per_page = 200  # the tree on one page
    columns = [
        Column("name", link=True, sort="", template="org/_department_name.html"),
        Column("kind"),
        Column("short_name"),
        Column("code", mono=True),
        Column("is_active", "状态", template=ACTIVE),
    ]
    form = DepartmentForm
    create_label = "新增单位"
    view_capability = Capability.VIEW_DEPARTMENTS
    change_capability = Capability.MANAGE_DEPARTMENTS
    save = staticmethod(org_actions.save_department)
    detail_template = "org/department_detail.html"
    sheet = "departments"
    detail_fields = ["kind", "short_name", "code", "is_active"]
    menu = Menu("单位管理", group="系统管理", order=10)
    api_schema = DepartmentOut
    api_write = True

    def base_queryset(self):
        """Each department with its parent's id (one query for a whole list)."""
        parent = Department.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Value(Department.steplen))
        )
        return Department.objects.annotate(parent_pk=Subquery(parent.values("pk")[:1]))

    def form_kwargs(self, request, instance):
        if instance is not None:
            return {}
        parents = visible_to(request.user, Department.objects.all(), Capability.MANAGE_DEPARTMENTS)
        parent = request.GET.get("parent", "")
        return {
            "parents": parents.order_by("path"),
            "initial": {"parent": parent} if parent.isdigit() else None,
        }

    def detail_context(self, request, obj):
        members = User.objects.none()
        if has_capability(request.user, Capability.MANAGE_USERS):
            members = visible_to(request.user, obj.members.all(), Capability.MANAGE_USERS)
        return {
            "ancestors": Department.objects.get_ancestors(obj),
            "children": visible_to(request.user, Department.objects.get_children(obj)),
            "members": members,
            "led_tasks": obj.led_tasks.select_related("programme").order_by("programme__number", "pk"),
            "co_tasks": obj.co_tasks.select_related("programme").order_by("programme__number", "pk"),
        }


# --- The holiday calendar -------------------------------------------------------------------------


class CalendarDayFilters(filters.RegistryFilterSet):
    year = filters.YearFilter(field_name="date__year", label="年度")
    is_workday = filters.BooleanFilter(field_name="is_workday", label="调休上班")
    q = filters.SearchFilter("name", "note", label="名称或备注")

    class Meta:
        model = CalendarDay
        fields = []


@register
class CalendarDayRegistry(Registry):
    """The days the administrator enters over the official arrangement (core/workdays.py counts by them):
    reference data of the whole site, kept by who holds `system.calendar` — no department scope."""

    key = "calendar-days"
    model = CalendarDay
    label = "节假日安排"
    filterset = CalendarDayFilters
    ordering = ("-date",)
    columns = [
        Column("date", link=True, mono=True),
        Column("weekday", "星期", sort=""),
        Column("is_workday", "放假或上班", template="system/_calendar_kind.html"),
        Column("name"),
        # what the library says of the day (the template asks it)
        Column("date", "法定安排（chinesecalendar）", sort="", template="system/_calendar_official.html"),
        Column("note"),
    ]
    form = CalendarDayForm
    create_label = "新增节假日安排"
    view_capability = Capability.MANAGE_CALENDAR
    change_capability = Capability.MANAGE_CALENDAR
    save = staticmethod(actions.save_calendar_day)
    delete = staticmethod(actions.delete_calendar_day)
    list_template = "system/calendar_day_list.html"
    detail_fields = ["date", "is_workday", "name", "note"]
    menu = Menu("节假日安排", group="系统管理", order=25)
    api_fields = ["id", "date", "is_workday", "name", "note"]

    # not placed on the department tree: the capability alone decides
    def queryset(self, user, capability=None):
        qs = self.base_queryset()
        return qs if has_capability(user, capability or self.view_capability) else qs.none()

    def get(self, user, pk, capability=None):
        return get_object_or_404(self.queryset(user, capability), pk=pk)

    def can_change(self, user, obj=None) -> bool:
        return has_capability(user, self.change_capability)

    def can_delete(self, user, obj) -> bool:
        return has_capability(user, self.change_capability)
