"""Every error the API answers is `{"detail": "<中文>"}` as its schema documents — those of its operations
(400, 401, 403, 404, 422) and those around them (405, an unknown path, a request too large, 500)."""

import json

import pytest
from django.test import Client, RequestFactory

from kechuang.site import views

pytestmark = pytest.mark.django_db


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_validation_errors_are_one_chinese_sentence_naming_the_parameter(client_as):
    response = client_as("kjj").get("/api/v1/plans/abc")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "路径参数“plan_id”应为整数。"
    assert body["errors"] == [{"field": "plan_id", "location": "path", "message": "应为整数"}]
    response = client_as("kjj").get("/api/v1/metrics/plans.tasks_completed")
    assert response.json()["detail"] == "查询参数“period”必须填写。"


def test_a_method_the_path_does_not_take_is_405_in_the_schema_shape(client_as):
    response = client_as("kjj").delete("/api/v1/plans")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "该接口不接受 DELETE 请求（可用：GET）。"}
    response = client_as("kjj").put("/api/v1/enterprises/1", {}, content_type="application/json")
    assert response.status_code == 405 and set(response["Allow"].split(", ")) == {"GET", "PATCH"}
    assert chinese(response.json()["detail"])


def test_an_unknown_path_under_the_api_is_a_json_404(client_as):
    for client in (client_as("kjj"), Client()):
        response = client.get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.json() == {"detail": "接口不存在：/api/v1/no-such-thing"}
    # a page stays a page
    assert "<html" in client_as("kjj").get("/no-such-page/").content.decode()


def test_a_body_that_is_not_json_is_a_documented_400(client_as, user):
    from kechuang.org.actions import create_token

    _, secret = create_token(user("kjj"), name="t")
    response = Client().post(
        "/api/v1/projects",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400 and response.json() == {"detail": "请求体不是有效的 JSON。"}


def test_a_server_error_under_the_api_answers_json(rf: RequestFactory):
    response = views.error_500(rf.get("/api/v1/plans"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "系统内部错误，已记录。请稍后重试。"}
    page = views.error_500(rf.get("/plans/"))
    assert page.status_code == 500 and "<html" in page.content.decode()


def test_every_operation_documents_its_errors_with_the_detail_schema(client_as):
    schema = client_as("kjj").get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["ErrorOut"]["required"] == ["detail"]
    assert components["ErrorOut"]["properties"]["detail"]["type"] == "string"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "422"):
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content["$ref"] in (
                    "#/components/schemas/ErrorOut",
                    "#/components/schemas/ValidationErrorOut",
                ), (method, path, status)


def test_each_registry_list_documents_its_own_page_and_filters(client_as):
    schema = client_as("kjj").get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    users = schema["paths"]["/api/v1/users"]["get"]
    assert users["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserPage"
    }
    assert components["UserPage"]["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/UserOut"
    }
    assert components["InstitutionPage"]["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/InstitutionOut"
    }
    projects = {p["name"]: p for p in schema["paths"]["/api/v1/projects"]["get"]["parameters"]}
    assert projects["year"]["schema"] == {"type": "integer", "minimum": 1990, "maximum": 2100}
    assert projects["year"]["description"] == "申报年度"
    # the documented filters are the ones the list applies
    client = client_as("kjj")
    everything = client.get("/api/v1/projects").json()["count"]
    some = client.get("/api/v1/projects", {"year": "2021"}).json()["count"]
    assert 0 < some < everything
    assert client.get("/api/v1/projects", {"year": "1800"}).status_code == 422
