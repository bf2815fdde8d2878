"""Changing the plan: task progress by the bureau, plan definitions from files, and what gets refused."""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from kechuang.audit.models import ChangeEntry
from kechuang.org.models import Department
from kechuang.plans.loading import PlanDefinitionError, load_plan, locate
from kechuang.plans.models import Plan, Target, Task

pytestmark = pytest.mark.django_db


def edit(client, task, **data):
    form = {
        "status": task.status,
        "deadline": task.deadline.isoformat(),
        "lead_department": task.lead_department_id,
        "co_departments": [],
        "reason": "进展更新",
    }
    form.update(data)
    return client.post(f"/plans/tasks/{task.pk}/edit/", form)


def test_done_without_a_completion_date_is_refused(client_as):
    task = Task.objects.get(code="2.1")
    before = ChangeEntry.objects.count()
    response = edit(client_as("kjj"), task, status="done")
    assert response.status_code == 200
    assert "状态为“已完成”时必须填写完成日期。" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == "not_started"
    assert ChangeEntry.objects.count() == before


def test_missing_reason_and_bad_date_are_named(client_as):
    task = Task.objects.get(code="2.1")
    response = edit(client_as("kjj"), task, reason="", deadline="2021-13-40")
    body = response.content.decode()
    assert "这个字段是必填项。" in body and "输入一个有效的日期。" in body


def test_reporter_cannot_edit_tasks_even_their_own(client_as, dept):
    task = Task.objects.filter(lead_department=dept("区经济信息委")).first() or Task.objects.get(code="1.1")
    assert edit(client_as("jxw"), task, status="in_progress").status_code == 403
    assert Task.objects.get(pk=task.pk).status == "not_started"


def test_bureau_admin_marks_a_task_done(client_as, dept):
    task = Task.objects.get(code="2.1")
    response = edit(client_as("kjj"), task, status="done", completed_on="2021-12-28", reason="市政府批复同意")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.completed_on.isoformat() == "2021-12-28"
    page = client_as("leader").get(f"/plans/tasks/{task.pk}/").content.decode()
    assert "已完成" in page and "2021-12-28" in page


def test_locate_requires_a_unique_exact_span():
    text = "到2025年，培育科技型企业500家以上、高新技术企业100家以上。2025年目标"
    start = text.index("高新技术企业")
    assert locate(text, span="高新技术企业100家以上") == (start, start + 12, "高新技术企业100家以上")
    with pytest.raises(PlanDefinitionError, match="出现 0 次"):
        locate(text, span="高新技术企业200家")
    with pytest.raises(PlanDefinitionError, match="出现 2 次"):
        locate(text, span="2025年")


def test_definition_with_a_wrong_span_loads_nothing(tmp_path):
    (tmp_path / "plan.txt").write_text("2022年新增科技型企业60家。", encoding="utf-8")
    definition = {
        "department": ["重庆市", "开州区"],
        "doc_number": "测试〔2022〕1号",
        "title": "测试方案",
        "issuer": "测试",
        "issued_on": "2022-01-01",
        "period_start": 2022,
        "period_end": 2022,
        "source_file": "plan.txt",
        "programmes": [
            {
                "number": 1,
                "kind": "programme",
                "title": "一",
                "tasks": [],
                "indicators": [
                    {
                        "code": "1",
                        "name": "新增科技型企业数",
                        "unit": "家",
                        "kind": "increment",
                        "targets": [
                            {
                                "year": 2022,
                                "value": 70,
                                "unit": "家",
                                "comparator": "eq",
                                "span": "新增科技型企业70家",
                            }
                        ],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PlanDefinitionError, match="新增科技型企业70家"):
        load_plan(path)
    assert not Plan.objects.filter(doc_number="测试〔2022〕1号").exists()  # all or nothing


def test_target_rules(dept):
    target = Target.objects.filter(base_year__isnull=False).first()
    target.base_year = target.year
    with pytest.raises(ValidationError, match="基期年度必须早于目标年度"):
        target.full_clean()
    absolute = Target.objects.filter(base_year__isnull=True).first()
    absolute.span_text = "篡改过的原文"
    with pytest.raises(ValidationError, match="原文片段与方案原文在该位置的文字不一致"):
        absolute.full_clean()


def test_a_co_department_outside_the_region_stays_on_the_form(client_as):
    task = Task.objects.get(code="2.1")
    city = Department.objects.get(depth=1, name="重庆市")  # above the plan's district
    task.co_departments.add(city)
    html = client_as("kjj").get(f"/plans/tasks/{task.pk}/edit/").content.decode()
    assert re.search(rf'<option value="{city.pk}" selected>', html)
    edit(client_as("kjj"), task, co_departments=[city.pk])
    assert list(Task.objects.get(pk=task.pk).co_departments.all()) == [city]
