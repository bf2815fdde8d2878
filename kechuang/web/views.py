"""The generic pages of every registry: fetch in scope → bind the form → run the action → message →
redirect, written once."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views import View

from kechuang.audit.models import ChangeEntry
from kechuang.core.filtering import parse_int
from kechuang.core.numbers import yuan
from kechuang.core.personal import personal_fields, shown
from kechuang.org.scope import has_capability
from kechuang.web.forms import run_action

from .filters import FilterError
from .personal import disclose, record_form_view


class RegistryView(View):
    registry = None  # the Registry the view serves (set by Registry.urls())

    def check(self, request, capability):
        if capability and not has_capability(request.user, capability):
            raise PermissionDenied("您没有访问该页面的权限。")

    def context(self, request, **extra):
        registry = self.registry
        return {"registry": registry, "label": registry.verbose_name, "key": registry.key, **extra}


def sorted_by(registry, request, qs):
    """`?sort=name` / `?sort=-name` over a sortable column; anything else keeps the declared order."""
    wanted = request.GET.get("sort", "")
    allowed = {registry.sort_key(c) for c in registry.columns} - {""}
    if wanted.lstrip("-") in allowed:
        return qs.order_by(wanted, "pk"), wanted
    return qs.order_by(*registry.ordering), ""


def page_number(request) -> int | str:
    """The page asked for (1 when none; a page past the end shows the last one), or the refusal of a
    bad number ("页码：“2^70”不是整数") — parsed as every other query value."""
    text = request.GET.get("page", "").strip()
    if not text:
        return 1
    try:
        return parse_int(text)
    except ValueError as exc:
        return f"页码：{exc}"


class RegistryList(RegistryView):
    def get(self, request):
        registry = self.registry
        self.check(request, registry.view_capability)
        errors = []
        try:
            qs, filterset = registry.filtered(request)
        except FilterError as exc:
            errors = exc.messages
            qs = registry.queryset(request.user).none()
            filterset = registry.filterset(request.GET, registry.queryset(request.user), request=request)
        number = page_number(request)
        if isinstance(number, str):
            errors.append(number)
            qs = qs.none()
        qs, sort = sorted_by(registry, request, qs)
        qs = registry.list_queryset(request, qs)
        page = Paginator(qs, registry.per_page).get_page(number if isinstance(number, int) else 1)
        columns = [
            {"column": c, "label": registry.column_label(c), "sort": registry.sort_key(c)}
            for c in registry.columns
        ]
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        response = render(
            request,
            registry.list_template,
            self.context(
                request,
                page=page,
                columns=columns,
                filterset=filterset,
                filter_errors=errors,
                sort=sort,
                query=query.urlencode(),
                can_create=registry.can_create(request.user),
            ),
            status=400 if errors else 200,
        )
        return response


class RegistryDetail(RegistryView):
    def get(self, request, pk):
        registry = self.registry
        self.check(request, registry.view_capability)
        obj = registry.get(request.user, pk)
        personal = disclose(request, obj)  # before the facts: they show what it reveals
        return render(
            request,
            registry.detail_template,
            self.context(
                request,
                obj=obj,
                personal=personal,
                facts=facts(registry, obj),
                history=history(obj),
                has_workflow=hasattr(type(obj), "workflow"),
                can_change=registry.form is not None and registry.can_change(request.user, obj),
                can_delete=registry.can_delete(request.user, obj),
                **registry.detail_context(request, obj) if hasattr(registry, "detail_context") else {},
            ),
        )


def facts(registry, obj) -> list[tuple[str, object]]:
    """(label, display value) of the record's fields, as the detail page lists them."""
    names = registry.detail_fields
    if names is None:
        names = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
    personal = personal_fields(type(obj))
    listed = []
    for name in names:
        field = obj._meta.get_field(name)
        display = getattr(obj, f"get_{name}_display", None)
        if name in personal:
            value = shown(obj, name)  # masked unless the page revealed it
        elif field.many_to_many:  # a record's several (an expert's fields): named, in their order
            value = "、".join(str(related) for related in getattr(obj, name).all()) or None
        elif field.get_internal_type() == "BooleanField":
            value = "是" if getattr(obj, name) else "否"
        elif field.get_internal_type() == "DecimalField" and "（元）" in str(field.verbose_name):
            value = yuan(getattr(obj, name)) if getattr(obj, name) is not None else None  # 1,234,500.00
        else:
            value = display() if callable(display) else getattr(obj, name)
        listed.append((str(field.verbose_name), value))
    return listed


def history(obj, limit: int = 50):
    """The record's audit entries, newest first."""
    content_type = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
    return list(
        ChangeEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("-time", "-pk")[
            :limit
        ]
    )


class _FormView(RegistryView):
    template = "web/form.html"

    def instance(self, request, pk):
        return None

    def refused(self, request, obj):
        """The answer instead of the form when `obj` may not be edited, or None."""
        return None

    def title(self, obj):
        raise NotImplementedError

    def render_form(self, request, form, obj):
        return render(
            request, self.template, self.context(request, form=form, obj=obj, title=self.title(obj))
        )

    def get(self, request, pk=None):
        obj = self.instance(request, pk)
        if (answer := self.refused(request, obj)) is not None:
            return answer
        form = self.registry.make_form(request, obj)
        record_form_view(request, form, obj)  # personal values shown in full on the form
        return self.render_form(request, form, obj)

    def post(self, request, pk=None):
        registry = self.registry
        obj = self.instance(request, pk)
        if (answer := self.refused(request, obj)) is not None:
            return answer
        form = registry.make_form(request, obj, request.POST)
        if form.is_valid():
            # the stored record, not the instance the form has already changed
            stored = registry.model._default_manager.get(pk=obj.pk) if obj is not None else None
            saved = run_action(
                form,
                registry.save,
                request.user,
                stored,
                reason=form.cleaned_data.get("reason", ""),
                **registry.fields_for_action(form),
            )
            if saved is not None:
                messages.success(request, registry.done_message(stored, saved) or self.done_message(saved))
                return redirect(saved.get_absolute_url())
        return self.render_form(request, form, obj)


class RegistryCreate(_FormView):
    def instance(self, request, pk):
        registry = self.registry
        self.check(request, registry.create_capability or registry.change_capability)
        return None

    def title(self, obj):
        return self.registry.create_label or f"新增{self.registry.verbose_name}"

    def done_message(self, saved):
        return f"已登记{self.registry.verbose_name}“{saved}”。"


class RegistryEdit(_FormView):
    def instance(self, request, pk):
        self.check(request, self.registry.change_capability)
        return self.registry.get(request.user, pk, self.registry.change_capability)

    def refused(self, request, obj):
        refusal = self.registry.edit_refusal(request.user, obj)
        if refusal is None:
            return None
        messages.error(request, refusal)
        return redirect(self.registry.url_name("detail"), obj.pk)

    def title(self, obj):
        return f"编辑{self.registry.verbose_name}：{obj}"

    def done_message(self, saved):
        return f"{self.registry.verbose_name}已保存。"


class RegistryDelete(RegistryView):
    template = "web/delete.html"

    def instance(self, request, pk):
        registry = self.registry
        self.check(request, registry.delete_capability or registry.change_capability)
        obj = registry.get(request.user, pk)
        if not registry.can_delete(request.user, obj):
            raise PermissionDenied("您没有删除该记录的权限。")
        return obj

    def get(self, request, pk):
        obj = self.instance(request, pk)
        return render(request, self.template, self.context(request, obj=obj, errors=[]))

    def post(self, request, pk):
        from django.core.exceptions import ValidationError
        from django.db.models import ProtectedError

        from kechuang.org.actions import ActionRefused

        obj = self.instance(request, pk)
        try:
            self.registry.delete(request.user, obj, reason=request.POST.get("reason", "").strip()[:500])
        except (ActionRefused, ValidationError) as exc:
            errors = getattr(exc, "messages", None) or [str(exc)]
        except ProtectedError:
            errors = ["该记录仍被其他记录引用，不能删除。"]
        else:
            messages.success(request, f"已删除{self.registry.verbose_name}“{obj}”。")
            return redirect(self.registry.url_name("list"))
        return render(request, self.template, self.context(request, obj=obj, errors=errors), status=400)
