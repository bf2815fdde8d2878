"""The registry kit: a registry declares itself once, in its own app's `registries.py`, and gets its
pages, its Excel export filter and its API from the declaration.

    class ProjectRegistry(Registry):
        key = "projects"                      # URL namespace and API path
        model = Project
        label = "科技项目"
        filterset = ProjectFilters            # one FilterSet: list page, Excel export and API list
        columns = [Column("number", mono=True), Column("name", link=True), ...]
        form = ProjectForm                    # create / edit; its cleaned data go to `save`
                                              # (`create_form` when a new record needs other fields)
        view_capability = Capability.VIEW_PROJECTS
        change_capability = Capability.CHANGE_PROJECTS
        create_capability = None              # who may create, when not who may change
        save = staticmethod(actions.save_project)     # (acting_user, obj | None, *, reason, **fields)
        sheet = "projects"                    # the tabular sheet (template, import, export)
        menu = Menu("科技项目", group="平台与项目", order=40)
        api_fields = ["id", "year", "number", ...]   # or `api_schema`: a Schema of its own

From it: list (filters, sort, pagination), detail (facts, history, the workflow panel), create, edit
and delete through the registry's actions; the sheet's export takes the same filters; the API lists
(same filters), shows, and writes where the page does — all with the same scope (`visible_to`) and
capabilities. `registries()` returns every declared registry (site navigation, API, tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.module_loading import autodiscover_modules

from kechuang.org.scope import get_visible_or_404, has_capability, visible_to


@dataclass(frozen=True)
class Column:
    """One column of a registry's list: a field path (`department__name`) or a property of the record."""

    name: str
    label: str = ""
    link: bool = False  # the record's detail page
    mono: bool = False
    sort: str | None = None  # the ordering field when it is sortable ("" to forbid sorting)
    template: str = ""  # an include rendering the cell (gets `obj` and `value`)
    money: bool = False  # 元 shown as 万元


@dataclass(frozen=True)
class Menu:
    """A registry's entry in the sidebar (group: one of web.menu.GROUPS, or an app's own)."""

    label: str
    group: str = "平台与项目"
    order: int = 100
    capability: str | None = None  # default: the registry's view capability


class Registry:
    key: str = ""
    model: type[models.Model]
    label: str = ""
    filterset = None
    columns: list[Column] = []
    ordering: tuple[str, ...] = ("-pk",)
    select_related: tuple[str, ...] = ()
    per_page = 50
    form = None
    create_form = None  # the form of a new record when it differs from the edit form (default: `form`)
    view_capability: str = ""
    change_capability: str | None = None
    create_capability: str | None = None  # default: the change capability
    delete_capability: str | None = None
    save = None  # (acting_user, obj | None, *, reason="", **fields) → obj
    delete = None  # (acting_user, obj, *, reason="") → None
    sheet: str | None = None
    menu: Menu | None = None
    detail_template = "web/detail.html"
    list_template = "web/list.html"
    detail_fields: list[str] | None = None  # default: every concrete field but the id
    api_fields: list[str] = []
    api_schema = None  # an explicit output Schema when the API shows more than `api_fields` (related rows)
    api_write = False  # POST / PATCH through the same form and action as the pages
    create_label = ""  # the create button ("登记项目"); default 新增<label>
    workflow_title = "办理"  # the heading of the workflow panel on the detail page

    # --- queries ---------------------------------------------------------------------------------
    def base_queryset(self):
        qs = self.model._default_manager.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def queryset(self, user, capability: str | None = None):
        return visible_to(user, self.base_queryset(), capability)

    def get(self, user, pk, capability: str | None = None):
        return get_visible_or_404(user, self.base_queryset(), capability, pk=pk)

    def list_queryset(self, request, queryset):
        """The list page's additions to its rows (what its columns prefetch); exports and the API keep
        the plain queryset."""
        return queryset

    def filtered(self, request, params=None, queryset=None):
        """The records `request.user` may see, narrowed by the query string (FilterError if refused)."""
        from .filters import apply

        qs = self.queryset(request.user) if queryset is None else queryset
        if self.filterset is None:
            return qs, None
        return apply(self.filterset, request.GET if params is None else params, qs, request)

    def can_change(self, user, obj=None) -> bool:
        capability = self.change_capability
        if capability is None or self.save is None or not has_capability(user, capability):
            return False
        if obj is None:
            return True
        if self.edit_refusal(user, obj) is not None:
            return False
        return visible_to(user, self.model._default_manager.filter(pk=obj.pk), capability).exists()

    def edit_refusal(self, user, obj) -> str | None:
        """Why `obj` may no longer be edited (no edit link, its edit page refused), or None."""
        return None

    def can_create(self, user) -> bool:
        capability = self.create_capability or self.change_capability
        return (
            self.form is not None
            and self.save is not None
            and capability is not None
            and has_capability(user, capability)
        )

    def can_delete(self, user, obj) -> bool:
        capability = self.delete_capability or self.change_capability
        if self.delete is None or capability is None or not has_capability(user, capability):
            return False
        return visible_to(user, self.model._default_manager.filter(pk=obj.pk), capability).exists()

    # --- forms -----------------------------------------------------------------------------------
    def form_kwargs(self, request, instance) -> dict:
        """Extra arguments of the form (the choices within the user's scope)."""
        return {}

    def form_class(self, instance=None):
        return self.create_form if instance is None and self.create_form is not None else self.form

    def make_form(self, request, instance=None, data=None):
        """The create or edit form; an edit form's personal fields are shown in full or masked as the
        user may see them (`personal_shown` names those shown in full)."""
        from .personal import guard_form

        form = self.form_class(instance)(data, instance=instance, **self.form_kwargs(request, instance))
        form.personal_shown = guard_form(form, request.user, instance) if instance is not None else []
        return form

    def fields_for_action(self, form) -> dict:
        if hasattr(form, "fields_for_action"):
            return form.fields_for_action()
        # a disabled field only shows the stored value: it is not the form's to change
        return {
            k: v
            for k, v in form.cleaned_data.items()
            if k != "reason" and not (k in form.fields and form.fields[k].disabled)
        }

    def done_message(self, before, saved) -> str | None:
        """The message after a save (`before`: the stored record, None when created); None for the
        generic one."""
        return None

    # --- labels ----------------------------------------------------------------------------------
    @property
    def verbose_name(self) -> str:
        return self.label or str(self.model._meta.verbose_name)

    def column_label(self, column: Column) -> str:
        if column.label:
            label = column.label
        else:
            try:
                label = str(_resolve_field(self.model, column.name).verbose_name)
            except LookupError:
                label = column.name
        if column.money:  # the cell shows 万元, whatever unit the field is kept in
            label = label.replace("（元）", "（万元）")
        return label

    def sort_key(self, column: Column) -> str:
        if column.sort is not None:
            return column.sort
        try:
            _resolve_field(self.model, column.name)
        except LookupError:
            return ""
        return column.name

    def url_name(self, view: str) -> str:
        return f"{self.key}:{view}"

    def urls(self):
        """The registry's pages; an app's urls.py includes these beside its own."""
        from django.urls import path

        from . import views

        patterns = [path("", views.RegistryList.as_view(registry=self), name="list")]
        if self.save is not None and self.form is not None:
            patterns.append(path("new/", views.RegistryCreate.as_view(registry=self), name="create"))
        patterns.append(path("<int:pk>/", views.RegistryDetail.as_view(registry=self), name="detail"))
        if self.save is not None and self.form is not None:
            patterns.append(path("<int:pk>/edit/", views.RegistryEdit.as_view(registry=self), name="edit"))
        if self.delete is not None:
            patterns.append(
                path("<int:pk>/delete/", views.RegistryDelete.as_view(registry=self), name="delete")
            )
        return patterns


def _resolve_field(model, path: str):
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:
            raise LookupError(path) from None
        model = getattr(field, "related_model", None) or model
    return field


_registries: dict[str, Registry] = {}


def register(cls):
    """Class decorator: declare a registry (one instance per class)."""
    instance = cls()
    if instance.key in _registries and type(_registries[instance.key]) is not cls:
        raise ValueError(f"登记簿“{instance.key}”重复声明。")
    _registries[instance.key] = instance
    return cls


def registries() -> list[Registry]:
    autodiscover_modules("registries")
    return list(_registries.values())


def get_registry(key: str) -> Registry:
    autodiscover_modules("registries")
    return _registries[key]


def refused_form(request, key, default):
    """The form `key` as `page_again` brought it back, refused with its reasons, else `default`."""
    return getattr(request, "refused_forms", {}).get(key) or default


def page_again(request, key: str, obj, forms: dict):
    """A record's registry page again with the refused forms (`request.refused_forms`: the page's part
    shows them with their reasons), answered 400."""
    from .views import RegistryDetail

    request.refused_forms = forms
    view = RegistryDetail(registry=get_registry(key))
    view.setup(request, pk=obj.pk)
    response = view.get(request, obj.pk)
    response.status_code = 400
    return response
