"""REST API (v1) with its OpenAPI schema at /api/v1/openapi.json and docs at /api/v1/docs (both for
signed-in callers only).

Callers authenticate with an API token (`Authorization: Bearer kc_…`) or the page login (`security.py`);
either way they act as their user: every query goes through `visible_to`, so a record outside the
caller's scope answers 404 exactly like one that does not exist. Errors are `{"detail": "…"}` in Chinese
(`errors.py`).
"""

from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Router, Schema
from ninja.errors import HttpError

from kechuang.core.filtering import InvalidQuery, paginate, parse_date, parse_int
from kechuang.enterprises import takeup
from kechuang.metrics.periods import Period
from kechuang.metrics.registry import UnknownMetric, metrics
from kechuang.org import actions
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, visible_to
from kechuang.plans.export import plan_queryset, plan_tree
from kechuang.plans.models import Task
from kechuang.policies.grants import execution_for
from kechuang.progress.cockpit import cockpit_for
from kechuang.web.api import registry_router
from kechuang.web.registry import registries

from . import errors
from .security import AUTH, signed_in


class KechuangAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        errors.document(schema)
        return schema

    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            pattern.callback = errors.json_errors(pattern.callback)
        return patterns


api = KechuangAPI(
    title="科创 API",
    version="1",
    description=(
        "开州区科技创新行动管理系统接口。其他系统使用 API 令牌认证：在“我的账号”页面创建令牌，"
        "请求时带请求头 Authorization: Bearer <令牌>；令牌与其所属用户的数据范围和权限完全相同。"
        '浏览器中也可使用登录会话，写操作须带 CSRF 令牌。错误统一为 {"detail": "中文说明"}。'
    ),
    auth=AUTH,
    docs_decorator=signed_in,
    urls_namespace="api",
)
errors.install(api)


def _require(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise HttpError(403, "您没有访问该接口的权限。")


@api.exception_handler(InvalidQuery)
def _invalid_query(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


class MetricOut(Schema):
    key: str
    label: str
    unit: str
    kind: str
    model: str
    description: str
    params: list[str]


class MetricValueOut(Schema):
    key: str
    scope: int | None
    period: str
    value: float | None
    record_ids: list[int]


class TokenOut(Schema):
    name: str
    prefix: str
    created_at: str
    expires_at: str
    revoked_at: str | None = None


class CallerOut(Schema):
    username: str
    display_name: str
    authenticated_by: str
    token: TokenOut | None = None


account_router = Router(tags=["账号与令牌"])
plans_router = Router(tags=["行动方案"])
metrics_router = Router(tags=["指标口径"])
enterprises_router = Router(tags=["科技企业"])
policies_router = Router(tags=["政策扶持"])


def _token_fields(token) -> dict:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@account_router.get("/me", response=CallerOut, summary="当前调用者：用户，以及所用的 API 令牌")
def get_caller(request):
    token = getattr(request, "api_token", None)
    return {
        "username": request.user.username,
        "display_name": request.user.display_name,
        "authenticated_by": "token" if token else "session",
        "token": _token_fields(token) if token else None,
    }


@account_router.post(
    "/tokens/current/revoke", response=TokenOut, summary="吊销本次请求所用的 API 令牌（例如令牌泄露时）"
)
def revoke_current_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise HttpError(404, "本次请求未使用 API 令牌。")
    return _token_fields(actions.revoke_token(request.user, token, reason="通过接口吊销本令牌"))


@plans_router.get("/plans", summary="可见的行动方案")
def list_plans(request):
    _require(request, Capability.VIEW_PLAN)
    plans = visible_to(request.user, plan_queryset()).order_by("-issued_on", "pk")
    return [
        {
            "id": p.pk,
            "doc_number": p.doc_number,
            "title": p.title,
            "issued_on": p.issued_on.isoformat(),
            "region": p.department.name,
            "is_active": p.is_active,
        }
        for p in plans
    ]


@plans_router.get("/plans/{plan_id}", summary="方案树：工程、任务、指标、目标（含原文位置）")
def get_plan(request, plan_id: int):
    _require(request, Capability.VIEW_PLAN)
    return plan_tree(get_visible_or_404(request.user, plan_queryset(), pk=plan_id))


@plans_router.get("/tasks/{task_id}", summary="任务")
def get_task(request, task_id: int):
    _require(request, Capability.VIEW_PLAN)
    task = get_visible_or_404(
        request.user,
        Task.objects.select_related("lead_department", "programme").prefetch_related("co_departments"),
        pk=task_id,
    )
    return {
        "id": task.pk,
        "code": task.code,
        "title": task.title,
        "programme": task.programme.number,
        "lead": task.lead_department.name,
        "co": [d.name for d in task.co_departments.all()],
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "status": task.status,
        "completed_on": task.completed_on.isoformat() if task.completed_on else None,
        "span": task.span_dict(),
    }


@metrics_router.get("/metrics", response=list[MetricOut], summary="已注册的计算口径")
def list_metrics(request):
    _require(request, Capability.VIEW_PLAN)
    return [
        {
            "key": m.key,
            "label": m.label,
            "unit": m.unit,
            "kind": m.kind,
            "model": m.model,
            "description": m.description,
            "params": list(m.params),
        }
        for m in metrics
    ]


@metrics_router.get("/metrics/{key}", response=MetricValueOut, summary="按范围和期间计算口径值")
def evaluate_metric(request, key: str, period: str, scope: int | None = None):
    _require(request, Capability.VIEW_PROGRESS)  # the figures and the records behind them: internal
    try:
        parsed = Period.parse(period)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    if scope is None:
        visible = visible_to(request.user, Department.objects.all()).count()
        if visible < Department.objects.count():
            raise HttpError(403, "请指定您数据范围内的单位（scope）。")
        department = None
    else:
        department = get_visible_or_404(request.user, Department.objects.all(), pk=scope)
    try:
        result = metrics.evaluate(key, department, parsed)
    except UnknownMetric as exc:
        raise Http404(str(exc)) from exc
    return {
        "key": key,
        "scope": scope,
        "period": parsed.label,
        "value": float(result.value) if result.value is not None else None,
        "record_ids": list(result.record_ids),
    }


def _cockpit_json(request, as_of: str | None, section: str) -> HttpResponse:
    """One section of the cockpit ("indicators" or "tasks") of the caller's plan as JSON; the JSON itself
    is cached with the cockpit: a repeated view sends the same bytes again."""
    _require(request, Capability.VIEW_PROGRESS)
    try:
        day = parse_date(as_of.strip()) if as_of and as_of.strip() else timezone.localdate()
    except ValueError as exc:
        raise HttpError(422, f"as_of：{exc}。") from exc
    # the JSON itself is cached with the cockpit: a repeated view sends the same bytes again
    body = cockpit_for(
        request.user,
        day,
        (
            f"api-{section}-json",
            lambda data: api.renderer.render(request, data[section], response_status=200),
        ),
    )
    if body is None:
        raise Http404("没有可见的执行中方案")
    return HttpResponse(body, content_type=api.get_content_type())


@metrics_router.get(
    "/cockpit", summary="驾驶舱：每个目标的实际值、计划路径值与状态（已到期的目标给出最终结果）"
)
def get_cockpit(request, as_of: str | None = None):
    return _cockpit_json(request, as_of, "indicators")


@metrics_router.get("/cockpit/tasks", summary="驾驶舱：方案的每项任务（状态、完成时限、是否逾期、牵头单位）")
def get_cockpit_tasks(request, as_of: str | None = None):
    return _cockpit_json(request, as_of, "tasks")


@enterprises_router.get(
    "/superdeduction",
    summary="研发费用加计扣除（估算）：某年度可见企业的适用比例、加计扣除额与减免税额，按比例合计（每页 500 家）",
)
def get_superdeduction(
    request,
    year: str | None = None,
    town: str | None = None,
    rate: str | None = None,
    page: str | None = None,
):
    _require(request, Capability.VIEW_ENTERPRISES)
    chosen = takeup.selection(request.user, {"year": year, "town": town, "rate": rate})
    body = takeup.as_json(chosen, paginate({"page": page}, chosen["rows"], per_page=500))
    return HttpResponse(body, content_type=api.get_content_type())


@policies_router.get(
    "/policies/budget",
    summary="政策预算执行：某年度（默认今年）可见政策各条款的预算（含调整）、已审定与已拨付金额（元）及合计",
)
def get_policy_budget(request, year: str | None = None):
    _require(request, Capability.VIEW_POLICIES)
    chosen = timezone.localdate().year
    if year is not None and year.strip():
        try:
            chosen = parse_int(year.strip(), min_value=2000, max_value=2100)
        except ValueError as exc:
            raise HttpError(422, f"year：{exc}。") from exc
    data = execution_for(request.user, chosen)

    def money(value) -> float:
        return float(value)

    return {
        "year": data["year"],
        "budget": money(data["budget"]),
        "committed": money(data["committed"]),
        "paid": money(data["paid"]),
        "instruments": [
            {
                "id": instrument.pk,
                "name": instrument.name,
                "document": instrument.document.number,
                "article": instrument.article,
                "kind": instrument.kind,
                "initial": money(row.initial),
                "adjusted": money(row.adjusted),
                "budget": money(row.budget),
                "committed": money(row.committed),
                "paid": money(row.paid),
                "left": money(row.left),
            }
            for instrument, row in data["rows"]
        ],
    }


api.add_router("/", account_router)
api.add_router("/", plans_router)
api.add_router("/", metrics_router)
api.add_router("/", enterprises_router)
api.add_router("/", policies_router)
for _registry in registries():
    api.add_router("/", registry_router(_registry))
