"""Pages issue the same number of queries whatever the amount of data (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    pages = [
        (client_as("sysadmin"), "/org/users/"),
        (client_as("shenji"), "/audit/changes/"),
        (client_as("shenji"), "/audit/logins/"),
        (client_as("sysadmin"), "/org/departments/"),
    ]
    before = [queries(client, url) for client, url in pages]
    for i in range(12):
        created = actions.create_user(
            user("sysadmin"),
            username=f"u{i}",
            display_name=f"用户{i}",
            password="Lu-Qiao#7731xz",
            departments=[dept("汉丰街道"), dept("区科技局")],
        )
        RoleGrant.objects.create(
            user=created, role="reporter", scope="department", department=dept("汉丰街道")
        )
    assert User.objects.count() >= 20
    assert [queries(client, url) for client, url in pages] == before


def grow_registries(dept, n, start=0):
    """n more enterprises in the district, each newly certified 科技型企业 in 2021 and 高企 in 2022, and a
    few more platforms: every metric behind the cockpit sees more rows."""
    from datetime import date

    from kechuang.enterprises.creditcode import build
    from kechuang.enterprises.models import Enterprise, Qualification, QualificationKind
    from kechuang.enterprises.summaries import mark_towns

    town = dept("汉丰街道")
    kinds = {k.code: k for k in QualificationKind.objects.filter(code__in=["cq_tech", "hte"])}
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=build("500154", f"MA{i:06d}"),
            name=f"增量测试科技有限公司{i}",
            town=town,
            industry_code="C39",
            registered_on=date(2019, 3, 1),
        )
        for i in range(start, start + n)
    )
    Qualification.objects.bulk_create(
        [Qualification(enterprise=e, kind=kinds["cq_tech"], issued_on=date(2021, 5, 10)) for e in enterprises]
        + [
            Qualification(
                enterprise=e, kind=kinds["hte"], issued_on=date(2022, 11, 20), expires_on=date(2025, 11, 19)
            )
            for e in enterprises
        ]
    )
    mark_towns({town.pk})  # bulk_create skips the signals that keep the summaries in step


def grow_tasks(dept, n):
    """n more tasks, each with two co-responsible units: the cockpit's task section lists them all."""
    programme = Programme.objects.get(number=4)
    tasks = Task.objects.bulk_create(
        Task(programme=programme, code=f"4.{100 + i}", title=f"协同任务{i}", lead_department=dept("区科技局"))
        for i in range(n)
    )
    for task in tasks:
        task.co_departments.add(dept("区财政局"), dept("汉丰街道"))


@pytest.mark.parametrize("as_of", ["2023-06-30", "2026-11-28"])
def test_cockpit_page_and_api(client_as, dept, as_of):
    client = client_as("leader")
    urls = [
        f"/progress/cockpit/?as_of={as_of}",
        f"/api/v1/cockpit?as_of={as_of}",
        f"/api/v1/cockpit/tasks?as_of={as_of}",
    ]
    queries(client, urls[0])  # warm caches (session, content types)
    before = [queries(client, url) for url in urls]
    grow_registries(dept, 120)
    grow_tasks(dept, 40)
    assert [queries(client, url) for url in urls] == before
    assert len(client.get(urls[2]).json()) == 39 + 40
    rows = client.get(urls[1]).json()  # the growth is inside what the cockpit counts
    assert next(r for r in rows if r["indicator"] == "新增科技型企业数")["actual"] == 54 + 120


def test_drill_down_pages(client_as, dept):
    new_tech = Target.objects.get(indicator__code="1-1", year=2021)
    hte = Target.objects.get(indicator__code="1-3", year=2025, base_year__isnull=True)
    reported = Target.objects.get(indicator__code="8-1", year=2021)
    urls = [f"/progress/targets/{t.pk}/records/" for t in (new_tech, hte, reported)]
    for username in ("kjj", "hanfeng"):  # the whole district, and a town that sees part of the records
        client = client_as(username)
        queries(client, urls[0])
        before = [queries(client, url) for url in urls]
        grow_registries(dept, 30, start=0 if username == "kjj" else 30)
        assert [queries(client, url) for url in urls] == before
