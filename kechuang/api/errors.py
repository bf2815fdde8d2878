"""The API's error answers, all `{"detail": "<中文说明>"}`, and their place in the OpenAPI schema.

Every operation documents 400, 401, 403, 404 and 422 with these schemas; validation errors (422) name the
parameter in Chinese and list each one under `errors`. The answers outside an operation have the same
shape: a method the path does not take (405, with `Allow`; `json_errors`), a path under /api/ that does
not exist (404), a request too large (400) and a server error (500) (`site.views`' error handlers).
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kechuang.core.uploads import megabytes


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str
    location: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


NOT_FOUND = "记录不存在或不在您的数据范围内。"
NOT_SIGNED_IN = "未登录：请先登录，或在请求头 Authorization: Bearer <令牌> 中提供 API 令牌。"

RESPONSES = {
    400: (ErrorOut, "请求无法处理：请求体不是有效的 JSON 或过大，或查询条件有误"),
    401: (ErrorOut, "未登录，或 API 令牌无效、已过期、已吊销、所属账号已停用"),
    403: (ErrorOut, "没有该接口所需的权限（会话请求的写操作缺少 CSRF 令牌时也是 403）"),
    404: (ErrorOut, "记录不存在或不在您的数据范围内"),
    422: (ValidationErrorOut, "参数无效：detail 用中文指出字段和原因，errors 逐项列出"),
}

_LOCATIONS = {
    "query": "查询参数",
    "path": "路径参数",
    "body": "请求体字段",
    "header": "请求头",
    "form": "表单字段",
}

_MESSAGES = {
    "missing": "必须填写",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "取值应为 {expected}",
    "enum": "取值应为 {expected}",
    "json_invalid": "不是有效的 JSON",
    "list_type": "应为列表",
    "dict_type": "应为对象",
}


# the few English sentences django-ninja answers with itself
_ENGLISH = {
    "Cannot parse request body": "请求体不是有效的 JSON。",
    "CSRF check Failed": "CSRF 校验失败：请刷新页面后重试；其他系统调用请使用 API 令牌。",
    "Forbidden": "您没有访问该接口的权限。",
    "Unauthorized": NOT_SIGNED_IN,
}


def too_big() -> str:
    return f"请求体超过 {megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} MB，未处理。"


def error_response(status: int, detail: str, **extra) -> JsonResponse:
    response = JsonResponse(
        {"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="kechuang"'
    return response


def field_error(error: dict) -> dict:
    location, *names = error.get("loc") or ("", "")
    field = ".".join(str(n) for n in names) or str(location)
    template = _MESSAGES.get(error.get("type", ""), "取值无效")
    try:
        message = template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        message = template
    return {"field": field, "location": str(location), "message": message}


def validation_detail(errors: list[dict]) -> str:
    return (
        "；".join(f"{_LOCATIONS.get(e['location'], '参数')}“{e['field']}”{e['message']}" for e in errors)
        + "。"
    )


def install(api) -> None:
    """The Chinese error answers of `api`."""

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return error_response(404, NOT_FOUND)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        message = str(exc)
        return error_response(401, _ENGLISH.get(message, message))

    @api.exception_handler(PermissionDenied)  # an action's refusal, with its reason
    def _refused(request, exc):
        return error_response(403, str(exc) or "您没有访问该接口的权限。")

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        message = str(exc)
        return error_response(exc.status_code, _ENGLISH.get(message, message))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        return error_response(400, too_big())

    @api.exception_handler(ValidationError)
    def _invalid(request, exc):
        errors = [field_error(e) for e in exc.errors]
        return error_response(422, validation_detail(errors), errors=errors)


def document(schema) -> None:
    """Add the error responses and their schemas to every operation of an OpenAPI `schema`."""
    components = schema["components"]["schemas"]
    for model, _ in RESPONSES.values():
        components.update(
            model.model_json_schema(ref_template="#/components/schemas/{model}").get("$defs", {})
        )
        components[model.__name__] = {
            k: v
            for k, v in model.model_json_schema(ref_template="#/components/schemas/{model}").items()
            if k != "$defs"
        }
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, (model, description) in RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
                        },
                    },
                )


def json_errors(view):
    """A URL view of the API whose own 405 (a method the path does not take) answers like every other
    error: `{"detail": …}` naming the methods it takes, with `Allow`."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            answer = error_response(
                405, f"该接口不接受 {request.method} 请求（可用：{allowed.replace(', ', '、') or '无'}）。"
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapped
