"""The project registry: the model's rules, scope, the pages, the metrics and the demo data."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise
from kechuang.metrics.registry import metrics
from kechuang.org.scope import visible_to
from kechuang.projects.demo import PROJECTS, lifecycle, load_demo_projects
from kechuang.projects.models import Category, Project, Status

pytestmark = pytest.mark.django_db

YEAR = 2030  # beyond the demo data: the tests' own projects are the only ones in this year


def project(department, number, **fields) -> Project:
    values = {
        "year": YEAR,
        "number": number,
        "name": f"测试项目{number}",
        "category": Category.DISTRICT,
        "department": department,
        "unit_name": "开州区测试中心",
        "status": Status.APPLIED,
        "applied_on": date(YEAR, 3, 1),
    }
    values.update(fields)
    if "enterprise" in fields:
        values["unit_name"] = ""
    return Project(**values)


def approved(department, number, on=date(YEAR, 6, 1), **fields) -> Project:
    values = {"status": Status.ONGOING, "approved_on": on, "planned_end_on": date(YEAR + 2, 6, 1)}
    return project(department, number, **{**values, **fields})


def errors(instance: Project) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


# --- the model's rules --------------------------------------------------------------------------------


def test_a_valid_project_passes(dept):
    approved(dept("汉丰街道"), "V-1", funding=Decimal("200000"), self_funding=Decimal("80000")).full_clean()


def test_completion_before_approval_is_refused(dept):
    bad = approved(dept("汉丰街道"), "V-2", status=Status.COMPLETED, completed_on=date(YEAR, 5, 1))
    assert errors(bad)["completed_on"] == ["结题日期不能早于立项日期。"]


def test_approved_statuses_need_an_approval_date(dept):
    for status in (Status.APPROVED, Status.ONGOING, Status.COMPLETED, Status.TERMINATED):
        found = errors(project(dept("汉丰街道"), "V-3", status=status))
        assert found["approved_on"] == [f"状态为“{status}”的项目必须填写立项日期。"]
    completed = approved(dept("汉丰街道"), "V-3", status=Status.COMPLETED)
    assert errors(completed)["completed_on"] == ["已结题的项目必须填写结题日期。"]


def test_unapproved_projects_carry_no_approval_or_completion(dept):
    found = errors(
        project(
            dept("汉丰街道"),
            "V-4",
            status=Status.REJECTED,
            approved_on=date(YEAR, 6, 1),
            completed_on=date(YEAR + 1, 6, 1),
        )
    )
    assert found["approved_on"] == ["状态为“未立项”的项目尚未立项，不能填写立项日期。"]
    assert found["completed_on"] == ["状态为“未立项”的项目不能填写结题日期。"]
    early = approved(dept("汉丰街道"), "V-4", on=date(YEAR, 2, 1))
    assert errors(early)["approved_on"] == ["立项日期不能早于申报日期。"]


def test_negative_amounts_are_refused_by_the_model_and_the_database(dept):
    bad = approved(dept("汉丰街道"), "V-5", funding=Decimal("-1"), self_funding=Decimal("-0.01"))
    found = errors(bad)
    assert found["funding"] == ["财政资助金额不能为负数。"]
    assert found["self_funding"] == ["自筹金额不能为负数。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()  # bulk paths skip clean(): the check constraint still holds


def test_the_applicant_is_an_enterprise_or_a_named_unit(dept):
    nobody = project(dept("汉丰街道"), "V-6", unit_name="  ")
    assert errors(nobody)["unit_name"] == ["请填写承担单位：选择登记企业，或填写非企业承担单位的名称。"]
    both = project(dept("汉丰街道"), "V-6", enterprise=Enterprise.objects.order_by("pk").first())
    both.unit_name = "另一单位"
    assert errors(both)["unit_name"] == ["已选择承担企业时不再填写承担单位名称。"]
    stale = project(dept("汉丰街道"), "V-6", applied_on=date(YEAR - 3, 3, 1))
    assert errors(stale)["applied_on"] == [f"申报日期应在申报年度（{YEAR}年）或其前一年内。"]


def test_the_number_is_unique_within_a_year(dept):
    project(dept("汉丰街道"), "V-7").save()
    assert errors(project(dept("文峰街道"), "V-7"))["__all__"] == ["该申报年度已有相同编号的项目。"]
    project(dept("文峰街道"), "V-7", year=YEAR + 1, applied_on=date(YEAR + 1, 3, 1)).full_clean()


def test_the_synthetic_lifecycle_always_passes_the_rules(dept):
    rng = random.Random(3)
    town = dept("汉丰街道")
    seen = set()
    for i in range(3000):
        year = rng.randint(2018, 2027)
        category = rng.choice(Category.values)
        candidate = project(town, f"L-{i}", year=year, category=category, **lifecycle(rng, year, category))
        candidate.clean()
        seen.add(candidate.status)
    assert seen == set(Status.values) - {Status.DRAFT}  # a draft is an online application, never drawn


# --- scope and pages ----------------------------------------------------------------------------------


def test_a_town_sees_only_its_own_projects(dept, user, client_as):
    mine = approved(dept("汉丰街道"), "S-1")
    theirs = approved(dept("文峰街道"), "S-2")
    Project.objects.bulk_create([mine, theirs])
    seen = visible_to(user("hanfeng"), Project.objects.all())
    assert set(seen.values_list("department__name", flat=True)) == {"汉丰街道"}
    client = client_as("hanfeng")
    assert client.get(f"/projects/{mine.pk}/").status_code == 200
    assert client.get(f"/projects/{theirs.pk}/").status_code == 404  # out of scope looks like missing
    body = client.get("/projects/", {"year": YEAR}).content.decode()
    assert mine.name in body and theirs.name not in body
    assert client_as("kjj").get(f"/projects/{theirs.pk}/").status_code == 200
    assert client_as("expert").get("/projects/").status_code == 403


def test_an_enterprise_sees_the_projects_it_carries(dept, client_as, user):
    own = user("qiye").enterprises.get()
    other = Enterprise.objects.exclude(pk=own.pk).order_by("pk").first()
    carried = approved(dept("区科技局"), "S-3", enterprise=own, category=Category.CHALLENGE)
    foreign = approved(dept("区科技局"), "S-4", enterprise=other)
    Project.objects.bulk_create([carried, foreign])
    client = client_as("qiye")
    assert client.get(f"/projects/{carried.pk}/").status_code == 200
    assert client.get(f"/projects/{foreign.pk}/").status_code == 404
    assert set(visible_to(user("qiye"), Project.objects.filter(year=YEAR))) == {carried}


def test_list_filters(dept, client_as):
    Project.objects.bulk_create(
        [
            approved(dept("汉丰街道"), "F-1", category=Category.KEY_TECHNOLOGY),
            approved(dept("文峰街道"), "F-2"),
            project(dept("汉丰街道"), "F-3", status=Status.APPLIED),
        ]
    )
    client = client_as("kjj")

    def numbers(**params):
        page = client.get("/projects/", {"year": YEAR, **params}).context["page"]
        return sorted(p.number for p in page)

    assert numbers() == ["F-1", "F-2", "F-3"]
    assert numbers(category=Category.KEY_TECHNOLOGY) == ["F-1"]
    assert numbers(status=Status.ONGOING) == ["F-1", "F-2"]
    assert numbers(department=dept("汉丰街道").pk) == ["F-1", "F-3"]
    assert numbers(q="F-2") == ["F-2"]
    # a bad value is named, in Chinese, with 400 — never silently ignored, never a 500
    response = client.get(
        "/projects/", {"category": "不存在", "status": "x", "department": "abc", "year": "²"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "类别：“不存在”不是可选值",
        "状态：“x”不是可选值",
        "所属单位：“abc”不是整数",
        "申报年度：“²”不是整数",
    ):
        assert message in body
    assert numbers(sort="-number") == ["F-1", "F-2", "F-3"]
    body = client.get("/projects/", {"year": YEAR, "status": Status.ONGOING}).content.decode()
    assert '<option value="在研" selected>' in body


def test_the_list_paginates(dept, client_as):
    Project.objects.bulk_create(project(dept("汉丰街道"), f"P-{i:03d}") for i in range(120))
    client = client_as("kjj")
    first = client.get("/projects/", {"year": YEAR}).context["page"]
    third = client.get("/projects/", {"year": YEAR, "page": 3}).context["page"]
    assert first.paginator.count == 120 and len(first) == 50 and len(third) == 20


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("username", ["kjj", "hanfeng", "qiye"])
def test_the_list_costs_the_same_queries_whatever_the_data(dept, client_as, user, username):
    enterprises = list(Enterprise.objects.filter(town__name="汉丰街道").order_by("pk")[:10])
    enterprises.append(user("qiye").enterprises.get())

    def grow(start, n):  # projects every one of the three users sees (in 汉丰街道, some carried by qiye's)
        Project.objects.bulk_create(
            approved(dept("汉丰街道"), f"Q-{i}", enterprise=enterprises[i % len(enterprises)])
            for i in range(start, start + n)
        )

    grow(0, len(enterprises))  # an empty page costs fewer queries: start from a non-empty one
    client = client_as(username)
    _queries(client, "/projects/")  # warm caches (session, content types)
    before = _queries(client, "/projects/")
    seen = visible_to(user(username), Project.objects.filter(year=YEAR)).count()
    grow(len(enterprises), 60)
    assert visible_to(user(username), Project.objects.filter(year=YEAR)).count() >= seen + 10
    assert _queries(client, "/projects/") == before


def test_the_navigation_links_the_list(client_as):
    assert 'href="/projects/"' in client_as("leader").get("/").content.decode()
    assert 'href="/projects/"' not in client_as("expert").get("/").content.decode()


# --- create and edit ----------------------------------------------------------------------------------


def form_data(dept, **changes) -> dict:
    data = {
        "year": YEAR,
        "number": "KZKJ2030-QJ-001",
        "name": "开州春橙采后商品化处理技术研究",
        "category": Category.DISTRICT,
        "department": dept("汉丰街道").pk,
        "enterprise_code": "",
        "unit_name": "开州区农业技术推广站",
        "status": Status.APPROVED,
        "applied_on": "2030-02-01",
        "approved_on": "2030-05-01",
        "planned_end_on": "2031-05-01",
        "completed_on": "",
        "funding": "150000",
        "self_funding": "60000",
        "note": "",
        "reason": "2030年度区级项目立项",
    }
    data.update(changes)
    return data


def test_the_bureau_registers_and_edits_a_project(dept, client_as):
    client = client_as("kjj")
    assert client.get("/projects/new/").status_code == 200
    enterprise = Enterprise.objects.filter(town__name="汉丰街道").order_by("pk").first()
    response = client.post(
        "/projects/new/", form_data(dept, enterprise_code=enterprise.credit_code.lower(), unit_name="")
    )
    created = Project.objects.get(year=YEAR, number="KZKJ2030-QJ-001")
    assert response.status_code == 302 and response["Location"] == f"/projects/{created.pk}/"
    assert created.enterprise == enterprise and created.funding == Decimal("150000")
    entry = ChangeEntry.objects.get(content_type__model="project", object_id=str(created.pk), action="create")
    assert entry.reason == "2030年度区级项目立项" and entry.scope_path == dept("汉丰街道").path

    edit = f"/projects/{created.pk}/edit/"
    assert enterprise.credit_code in client.get(edit).content.decode()  # the applicant is shown as its code
    changes = form_data(
        dept,
        enterprise_code=enterprise.credit_code,
        unit_name="",
        planned_end_on="2031-06-30",
        note="延期一个月",
        reason="任务书变更",
    )
    changes.pop("status")  # an existing project's status is not on its form
    assert client.post(edit, changes).status_code == 302
    created.refresh_from_db()
    assert created.status == Status.APPROVED and created.planned_end_on == date(2031, 6, 30)
    update = ChangeEntry.objects.get(
        content_type__model="project", object_id=str(created.pk), action="update"
    )
    assert set(update.changed_fields) == {"planned_end_on", "note"} and update.reason == "任务书变更"
    url = f"/workflow/projects.project/{created.pk}"
    assert client.post(f"{url}/start/", {"comment": ""}).status_code == 302
    assert (
        client.post(f"{url}/complete/", {"completed_on": "2031-04-20", "comment": "通过结题验收"}).status_code
        == 302
    )
    created.refresh_from_db()
    assert created.status == Status.COMPLETED and created.completed_on == date(2031, 4, 20)
    done = ChangeEntry.objects.filter(content_type__model="project", object_id=str(created.pk)).latest("pk")
    assert set(done.changed_fields) == {"status", "completed_on"} and done.reason == "通过结题验收"
    body = client.get(f"/projects/{created.pk}/").content.decode()
    assert "结题" in body and "15.00 万元" in body


def test_the_form_shows_the_rules_in_chinese(dept, client_as):
    client = client_as("kjj")
    response = client.post(
        "/projects/new/", form_data(dept, status=Status.COMPLETED, completed_on="2030-04-01")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "结题日期不能早于立项日期。" in body
    response = client.post(
        "/projects/new/", form_data(dept, enterprise_code="91500000000000000X", unit_name="")
    )
    assert "未找到该统一社会信用代码的企业" in response.content.decode()
    assert not Project.objects.filter(year=YEAR).exists()


def test_only_the_bureau_changes_projects(dept, client_as):
    mine = approved(dept("汉丰街道"), "E-1")
    mine.save()
    for username in ("hanfeng", "leader", "qiye"):
        client = client_as(username)
        assert client.get("/projects/new/").status_code == 403
        assert client.get(f"/projects/{mine.pk}/edit/").status_code == 403
        assert client.post("/projects/new/", form_data(dept)).status_code == 403
    assert "编辑科技项目" not in client_as("hanfeng").get(f"/projects/{mine.pk}/").content.decode()
    assert "编辑科技项目" in client_as("kjj").get(f"/projects/{mine.pk}/").content.decode()


# --- metrics -------------------------------------------------------------------------------------------


def test_metrics_count_and_sum_the_approved_projects(dept):
    town, other = dept("汉丰街道"), dept("文峰街道")
    rows = [
        approved(town, "M-1", on=date(YEAR, 3, 10), funding=Decimal("100000.50")),
        approved(
            town, "M-2", on=date(YEAR, 8, 1), funding=Decimal("250000"), category=Category.KEY_TECHNOLOGY
        ),
        approved(other, "M-3", on=date(YEAR, 11, 30), funding=Decimal("80000")),
        project(town, "M-4", status=Status.REJECTED, funding=Decimal("999999")),  # never approved
        approved(town, "M-5", on=date(YEAR + 1, 1, 2), funding=Decimal("70000")),  # the next year
    ]
    terminated = approved(other, "M-6", on=date(YEAR, 5, 5), funding=Decimal("30000"))
    terminated.status = Status.TERMINATED
    Project.objects.bulk_create([*rows, terminated])
    pk = {p.number: p.pk for p in Project.objects.filter(year=YEAR)}

    count = metrics.evaluate("projects.approved_in_period", None, str(YEAR))
    assert count.value == 4 and set(count.record_ids) == {pk["M-1"], pk["M-2"], pk["M-3"], pk["M-6"]}
    funding = metrics.evaluate("projects.funding_in_period", None, str(YEAR))
    assert funding.value == Decimal("460000.50")
    assert metrics.evaluate("projects.funding_in_period", town, str(YEAR)).value == Decimal("350000.50")
    assert metrics.evaluate("projects.approved_in_period", dept(), f"{YEAR}Q1").value == 1
    key = metrics.evaluate("projects.approved_in_period", None, str(YEAR), category=Category.KEY_TECHNOLOGY)
    assert key.record_ids == (pk["M-2"],)
    assert metrics["projects.funding_in_period"].unit == "元"
    with pytest.raises(ValueError):
        metrics.evaluate("projects.approved_in_period", None, str(YEAR), category="不存在")


def test_metrics_cost_one_query_whatever_the_data(dept):
    district = dept()

    def cost(key):
        with CaptureQueriesContext(connection) as captured:
            metrics.evaluate(key, district, str(YEAR))
        return len(captured.captured_queries)

    keys = ["projects.approved_in_period", "projects.funding_in_period"]
    before = [cost(k) for k in keys]
    Project.objects.bulk_create(approved(dept("汉丰街道"), f"C-{i}") for i in range(40))
    assert [cost(k) for k in keys] == before == [1, 1]


# --- demo data ----------------------------------------------------------------------------------------


def test_the_demo_projects(dept):
    demo = Project.objects.filter(number__startswith="KZKJ")
    assert demo.count() == len(PROJECTS)
    assert load_demo_projects() == 0  # a second load adds nothing
    statuses = set(demo.values_list("status", flat=True))
    assert {Status.APPLIED, Status.REJECTED, Status.ONGOING, Status.COMPLETED} <= statuses
    key_2021 = metrics.evaluate(
        "projects.approved_in_period", dept(), "2021", category=Category.KEY_TECHNOLOGY
    ).record_ids
    names = set(Project.objects.filter(pk__in=key_2021).values_list("name", flat=True))
    assert {"柴葛退热口服液质量标准与产业化关键技术攻关", "大数据通讯5G及以上高速覆铜板关键技术攻关"} <= names
    for p in demo.select_related("enterprise", "department"):
        p.full_clean()


# --- the sheet: export with the list's filters, import with the lifecycle kept ------------------------


def test_the_export_takes_the_list_filters_and_reimports_unchanged(dept, client_as, settings, tmp_path):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.tabular.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    client = client_as("kjj")
    for params in (
        {},
        {"status": Status.COMPLETED},
        {"year": 2021, "category": Category.DISTRICT},
        {"q": "橙"},
    ):
        listed = client.get("/projects/", params).context["page"].paginator.count
        book = b"".join(client.get("/tables/projects/export.xlsx", params).streaming_content)
        rows = openpyxl.load_workbook(io.BytesIO(book), read_only=True)["数据"].max_row - 1
        assert rows == listed, params
    assert client.get("/tables/projects/export.xlsx", {"year": "2^70"}).status_code == 400
    book = b"".join(client.get("/tables/projects/export.xlsx").streaming_content)
    entries = ChangeEntry.objects.exclude(content_type__model="importjob").count()
    client.post("/tables/projects/upload/", {"file": SimpleUploadedFile("p.xlsx", book)})
    job = ImportJob.objects.latest("pk")
    assert job.status == "validated" and job.error_rows == 0, job.errors[:3]
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "台账核对"})
    job.refresh_from_db()
    assert job.status == "done" and job.result["updated"] == 0 and job.result["created"] == 0
    assert ChangeEntry.objects.exclude(content_type__model="importjob").count() == entries


def test_an_import_cannot_move_a_projects_status(dept, client_as, settings, tmp_path):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.tabular.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    done = approved(dept("汉丰街道"), "S-1", status=Status.COMPLETED, completed_on=date(YEAR + 1, 6, 1))
    done.save()
    client = client_as("kjj")
    book = b"".join(client.get("/tables/projects/export.xlsx", {"year": YEAR}).streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(book))
    sheet = workbook["数据"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("状态") + 1, value="申报")
    out = io.BytesIO()
    workbook.save(out)
    client.post("/tables/projects/upload/", {"file": SimpleUploadedFile("p.xlsx", out.getvalue())})
    job = ImportJob.objects.latest("pk")
    assert job.error_rows == 1
    assert "当前状态为“结题”：状态只能在系统中通过办理操作变更" in job.errors[0]["message"]


# --- the API: the list's filters, scope, writes through the page's form and action --------------------


def test_the_api_lists_with_the_pages_filters_and_scope(dept, client_as):
    for username in ("kjj", "hanfeng"):
        client = client_as(username)
        for params in ({}, {"status": Status.COMPLETED}, {"year": 2021}, {"department": dept("汉丰街道").pk}):
            page = client.get("/projects/", params).context["page"]
            data = client.get("/api/v1/projects", params).json()
            assert data["count"] == page.paginator.count, (username, params)
            assert {r["id"] for r in data["results"]} >= {p.pk for p in page}
    client = client_as("hanfeng")
    foreign = Project.objects.exclude(department=dept("汉丰街道")).exclude(enterprise__town=dept("汉丰街道"))
    assert client.get(f"/api/v1/projects/{foreign.first().pk}").status_code == 404
    bad = client.get("/api/v1/projects", {"year": "2^70", "department": "abc"})
    assert bad.status_code == 422 and "申报年度：“2^70”不是整数" in bad.json()["detail"]
    assert client_as("expert").get("/api/v1/projects").status_code == 403


def test_the_api_writes_through_the_pages_form(dept, client_as):
    import json

    client = client_as("kjj")
    body = {
        "year": YEAR,
        "number": "API-1",
        "name": "接口登记的项目",
        "category": Category.DISTRICT,
        "department": dept("汉丰街道").pk,
        "unit_name": "开州区测试中心",
        "status": Status.APPLIED,
        "applied_on": f"{YEAR}-03-01",
        "funding": "0",
        "self_funding": "50000",
        "reason": "接口对接",
    }
    created = client.post("/api/v1/projects", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    entry = ChangeEntry.objects.get(content_type__model="project", object_id=str(pk), action="create")
    assert entry.reason == "接口对接" and entry.source == "api"
    url = f"/api/v1/projects/{pk}"
    changed = client.patch(url, json.dumps({"note": "补充说明"}), content_type="application/json")
    assert changed.status_code == 200 and changed.json()["note"] == "补充说明"
    stored = Project.objects.get(pk=pk)
    assert stored.applied_on == date(YEAR, 3, 1) and stored.self_funding == Decimal("50000")  # untouched
    wrong = client.patch(url, json.dumps({"applied_on": "2001-01-01"}), content_type="application/json")
    assert wrong.status_code == 422 and "申报日期应在申报年度" in wrong.json()["detail"]
    assert (
        client.patch(url, json.dumps({"status": "结题"}), content_type="application/json").status_code == 422
    )
    assert (
        client_as("leader").patch(url, json.dumps({"note": "x"}), content_type="application/json").status_code
        == 403
    )
    assert Project.objects.get(pk=pk).note == "补充说明"
