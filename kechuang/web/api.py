"""Every registry on the API, from its declaration: list (the page's FilterSet over the same query
string, paginated), detail, and — where the page writes (`api_write`) — create and update through the
page's own form and action, so the API can neither see nor change more than the pages."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from ninja import Body, Router, Schema
from ninja.errors import HttpError
from ninja.orm import create_schema
from ninja.responses import Status
from pydantic import create_model

from kechuang.core.personal import personal_fields, shown
from kechuang.web.forms import run_action

from .filters import FilterError
from .personal import disclose_api
from .registry import Registry

PAGE_SIZE = 100


def _schema(registry: Registry):
    if registry.api_schema is not None:
        return _masking(registry.api_schema, registry.model)
    names = [n[:-3] if n.endswith("_id") and n != "id" else n for n in registry.api_fields]
    return _masking(
        create_schema(registry.model, name=f"{registry.model.__name__}Out", fields=names), registry.model
    )


def _masking(schema, model):
    """The output schema with each personal field masked unless the request revealed it (`?full=1`)."""
    names = [
        name
        for name in personal_fields(model)
        if name in schema.model_fields and name not in schema._ninja_resolvers
    ]
    if not names:
        return schema
    resolvers = {f"resolve_{name}": staticmethod(lambda obj, _name=name: shown(obj, _name)) for name in names}
    return type(schema.__name__, (schema,), {"__doc__": schema.__doc__, **resolvers})


def _require(request, capability):
    from kechuang.org.scope import has_capability

    if capability and not has_capability(request.user, capability):
        raise HttpError(403, "您没有访问该接口的权限。")


def _form_problem(form) -> str:
    """Every refusal of the page's form, naming the field as the page does."""
    labels = []
    for name, errs in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        labels += [f"{label}：{e}" if label else str(e) for e in errs]
    return "；".join(labels)


def _form_data(form, instance) -> dict:
    """What the form would show for `instance` (so a PATCH changes only what it names)."""
    data = {}
    initial = model_to_dict(instance) if instance is not None else {}
    for name, field in form.fields.items():
        value = form.initial.get(name, initial.get(name, field.initial))
        if hasattr(value, "pk"):
            value = value.pk
        if value is None:
            value = ""
        data[name] = value
    return data


def _filter_schema(declared) -> dict:
    """The OpenAPI schema of one filter's query value, as `web.filters` parses it."""
    from . import filters

    if isinstance(declared, filters.DateFilter):
        return {"type": "string", "format": "date"}
    if isinstance(declared, filters.NumberFilter):
        return {"type": "integer", "minimum": declared.min_value, "maximum": declared.max_value}
    if isinstance(declared, filters.ModelChoiceFilter):
        return {"type": "integer", "minimum": 1}
    if isinstance(declared, filters.BooleanFilter):
        return {"type": "string", "enum": ["1", "0"]}
    if isinstance(declared, filters.ChoiceFilter) and not callable(declared.choices):
        return {"type": "string", "enum": [str(value) for value, _ in declared.choices]}
    if isinstance(declared, filters.IdsFilter):
        return {"type": "string", "pattern": r"^\d+(,\d+)*$"}
    if isinstance(declared, filters.TextFilter | filters.SearchFilter):
        return {"type": "string", "maxLength": declared.max_length}
    return {"type": "string"}


def filter_parameters(registry: Registry) -> list[dict]:
    """The list's filters (the page's FilterSet, read from the query string) as OpenAPI parameters."""
    if registry.filterset is None:
        return []
    return [
        {
            "in": "query",
            "name": name,
            "required": False,
            "description": str(declared.label or name),
            "schema": _filter_schema(declared),
        }
        for name, declared in registry.filterset.base_filters.items()
    ]


def registry_router(registry: Registry) -> Router:
    router = Router(tags=[registry.verbose_name])
    out = _schema(registry)
    key = registry.key
    # the error answers (401/403/404/422, {"detail": …}) are documented for every operation by the API

    # each registry's page its own schema by name (a class renamed after creation would keep the name
    # "Page" in the OpenAPI components, where every list would then share the last one's results)
    Page = create_model(
        f"{registry.model.__name__}Page",
        __base__=Schema,
        count=(int, ...),
        page=(int, ...),
        pages=(int, ...),
        results=(list[out], ...),
    )

    @router.get(
        f"/{key}",
        response=Page,
        summary=f"{registry.verbose_name}列表（与列表页同一筛选）",
        operation_id=f"list_{key}",
        url_name=f"list_{key}",
        openapi_extra={"parameters": filter_parameters(registry)},
    )
    def list_records(request, page: int = 1):
        _require(request, registry.view_capability)
        try:
            qs, _ = registry.filtered(request)
        except FilterError as exc:
            raise HttpError(422, str(exc)) from None
        paginator = Paginator(qs.order_by(*registry.ordering), PAGE_SIZE)
        current = paginator.get_page(page)
        return {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "results": list(current.object_list),
        }

    @router.get(
        f"/{key}/{{record_id}}",
        response=out,
        summary=f"{registry.verbose_name}详情",
        operation_id=f"get_{key}",
        url_name=f"get_{key}",
    )
    def get_record(request, record_id: int, full: bool = False):
        """Personal data is masked; `full=1` shows it in full to whoever may see it (the view is recorded
        in the audit log), 403 to anyone else."""
        _require(request, registry.view_capability)
        obj = registry.get(request.user, record_id)
        try:
            disclose_api(request, obj, full)
        except PermissionError as exc:
            raise HttpError(403, str(exc)) from None
        return obj

    if not (registry.api_write and registry.save is not None and registry.form is not None):
        return router

    def _save(request, instance, payload: dict):
        allowed = (
            registry.can_create(request.user)
            if instance is None
            else registry.can_change(request.user, instance)
        )
        if not allowed:
            raise HttpError(403, "您没有修改该记录的权限。")
        form = registry.make_form(request, instance)
        data = _form_data(form, instance)
        unknown = sorted(set(payload) - set(data))
        if unknown:
            raise HttpError(422, f"未知字段：{'、'.join(unknown)}")
        data.update({k: ("" if v is None else v) for k, v in payload.items()})
        form = registry.make_form(request, instance, data)
        if not form.is_valid():
            raise HttpError(422, _form_problem(form))
        stored = registry.model._default_manager.get(pk=instance.pk) if instance is not None else None
        try:
            saved = run_action(
                form,
                registry.save,
                request.user,
                stored,
                reason=form.cleaned_data.get("reason", ""),
                **registry.fields_for_action(form),
            )
        except PermissionDenied as exc:
            raise HttpError(403, str(exc)) from None
        if saved is None:
            raise HttpError(422, _form_problem(form))
        return Status(201 if instance is None else 200, registry.model._default_manager.get(pk=saved.pk))

    @router.post(
        f"/{key}",
        response={201: out},
        summary=f"新增{registry.verbose_name}（同页面表单与校验）",
        operation_id=f"create_{key}",
        url_name=f"create_{key}",
    )
    def create_record(request, payload: Body[dict]):
        _require(request, registry.create_capability or registry.change_capability)
        return _save(request, None, payload)

    @router.patch(
        f"/{key}/{{record_id}}",
        response=out,
        summary=f"修改{registry.verbose_name}（只改所给字段；同页面表单与校验）",
        operation_id=f"update_{key}",
        url_name=f"update_{key}",
    )
    def update_record(request, record_id: int, payload: Body[dict]):
        _require(request, registry.change_capability)
        instance = registry.get(request.user, record_id, registry.change_capability)
        return _save(request, instance, payload)

    return router
