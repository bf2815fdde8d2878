"""REST API: same data scope as the pages, Chinese errors, OpenAPI schema, docs served locally."""

import re

import pytest

from kechuang.plans.models import Plan, Task

pytestmark = pytest.mark.django_db


def test_plan_tree_over_the_api(client_as):
    plan = Plan.objects.get()
    data = client_as("leader").get(f"/api/v1/plans/{plan.pk}").json()
    assert data["plan"]["doc_number"] == "开州府办发〔2021〕63号"
    assert len(data["programmes"]) == 8 and len(data["targets"]) == 10


def test_out_of_scope_department_is_404_without_data(client_as, dept):
    target = dept("区科技局")
    response = client_as("hanfeng").get(f"/api/v1/departments/{target.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "记录不存在或不在您的数据范围内。"}
    assert "区科技局" not in response.content.decode()
    own = client_as("hanfeng").get(f"/api/v1/departments/{dept('汉丰街道').pk}").json()
    assert own["name"] == "汉丰街道" and own["parent_id"] == dept().pk


def test_department_list_is_scoped(client_as, dept):
    names = [d["name"] for d in client_as("jxw").get("/api/v1/departments").json()["results"]]
    assert names == ["区经济信息委"]
    listed = client_as("kjj").get("/api/v1/departments").json()
    assert listed["count"] == len(listed["results"]) == 1 + 21 + 40
    district = dept()
    below = [d for d in listed["results"] if d["id"] != district.pk]
    assert {d["parent_id"] for d in below} == {district.pk}  # parents resolved in the one list query


def test_user_endpoint_needs_user_management(client_as, user):
    hanfeng = user("hanfeng")
    assert client_as("jxw").get(f"/api/v1/users/{hanfeng.pk}").json() == {
        "detail": "您没有访问该接口的权限。"
    }
    assert client_as("kjj").get(f"/api/v1/users/{hanfeng.pk}").status_code == 403  # 三员分立
    data = client_as("sysadmin").get(f"/api/v1/users/{hanfeng.pk}").json()
    assert data["grants"] == [{"role": "reporter", "scope": "department", "department": "汉丰街道"}]
    assert "password" not in data


def test_metric_endpoint_evaluates_in_scope(client_as, dept):
    Task.objects.filter(code="6.1").update(status="done", completed_on="2021-11-30")
    response = client_as("kjj").get(
        "/api/v1/metrics/plans.tasks_completed", {"period": "2021", "scope": dept("区科技局").pk}
    )
    assert response.json()["value"] == 1.0
    assert response.json()["record_ids"] == [Task.objects.get(code="6.1").pk]


def test_metric_endpoint_rejects_bad_period_and_unscoped_request(client_as, dept):
    response = client_as("kjj").get("/api/v1/metrics/plans.tasks_completed", {"period": "2021Q9"})
    assert response.status_code == 422 and "无法识别的期间" in response.json()["detail"]
    response = client_as("kjj").get("/api/v1/metrics/plans.tasks_completed", {"period": "2021"})
    assert response.status_code == 403
    # the system administrator sees no business figures (三员分立); a city-wide leader sees the whole region
    assert (
        client_as("sysadmin").get("/api/v1/metrics/plans.tasks_completed", {"period": "2021"}).status_code
        == 403
    )
    from kechuang.org.models import RoleGrant, User

    city = User.objects.create(username="city_leader", display_name="市领导")
    RoleGrant.objects.create(user=city, role="leader", scope="all")
    assert client_as(city).get("/api/v1/metrics/plans.tasks_completed", {"period": "2021"}).status_code == 200


def test_openapi_schema_and_local_docs(client_as):
    client = client_as("kjj")
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/plans/{plan_id}" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == [], external
