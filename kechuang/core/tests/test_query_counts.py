"""Pages issue the same number of queries whatever the amount of data (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.core.demo import DEMO_PASSWORD
from kechuang.org import actions
from kechuang.org.models import RoleGrant, User
from kechuang.plans.models import Indicator, Plan, Programme, Target, Task

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def grow_plan(dept, n):
    programme = Programme.objects.get(number=3)
    lead = dept("区科技局")
    tasks = Task.objects.bulk_create(
        Task(programme=programme, code=f"3.{100 + i}", title=f"新增任务{i}", lead_department=lead)
        for i in range(n)
    )
    for task in tasks:
        task.co_departments.add(dept("区财政局"), dept("区教委"))
    for i in range(n):
        indicator = Indicator.objects.create(
            programme=programme, code=f"3-{i}", name=f"指标{i}", unit="项", kind="stock"
        )
        Target.objects.create(indicator=indicator, year=2025, value=i + 1, unit="项", comparator="gte")


@pytest.mark.parametrize("page", ["detail", "programme", "home", "source", "export"])
def test_plan_pages(client_as, dept, page):
    plan = Plan.objects.get()
    url = {
        "detail": f"/plans/{plan.pk}/",
        "programme": f"/plans/{plan.pk}/programmes/3/",
        "home": "/",
        "source": f"/plans/{plan.pk}/source/",
        "export": f"/plans/{plan.pk}/export.json",
    }[page]
    client = client_as("kjj")
    before = queries(client, url)
    grow_plan(dept, 25)
    assert queries(client, url) == before


def test_user_and_audit_lists(client_as, dept, user):
    client = client_as("sysadmin")
    urls = ["/org/users/", "/audit/changes/", "/audit/logins/", "/org/departments/"]
    before = [queries(client, url) for url in urls]
    for i in range(12):
        created = actions.create_user(
            user("sysadmin"),
            username=f"u{i}",
            display_name=f"用户{i}",
            password=DEMO_PASSWORD,
            departments=[dept("汉丰街道"), dept("区科技局")],
        )
        RoleGrant.objects.create(
            user=created, role="reporter", scope="department", department=dept("汉丰街道")
        )
    assert User.objects.count() >= 20
    assert [queries(client, url) for url in urls] == before
