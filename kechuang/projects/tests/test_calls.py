"""申报指南: the registry through the kit's generic tests, who reads which call, the rules of a published
call, 在线申报 from a call's page (eligibility, closing), the sheet's rules and the page's query count."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.enterprises.models import Enterprise, Qualification, QualificationKind, valid_on_q
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.projects import applications, calls
from kechuang.projects.call_views import APPLICATION_PAGE
from kechuang.projects.models import Call, CallStatus, Category, Project, Status
from kechuang.tabular.registry import get_sheet
from kechuang.testing import samples
from kechuang.testing.registry import RegistryTests
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db


class TestCallRegistry(RegistryTests):
    registry_key = "calls"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "qiye"  # reads the published calls; the draft answers as missing
    filter_params = [
        {},
        {"status": CallStatus.FINISHED},
        {"year": 2021, "category": Category.DISTRICT},
        {"q": "关键核心"},
    ]

    def create_data(self, dept):
        return {
            "year": 2031,
            "number": "KIT-CALL-1",
            "title": "登记簿测试申报指南",
            "category": Category.DISTRICT,
            "department": dept("区科技局").pk,
            "topics": "关键技术攻关\r\n成果转化\r\n",
            "budget": "3000000",
            "max_request": "300000",
            "opens_on": "2030-12-01",
            "closes_on": "2031-01-31",
            "correction_days": "5",
            "attachments": "项目申报书",
            "enterprise_only": "on",
            "qualifications": [QualificationKind.objects.get(code="cq_tech").pk],
            "one_per_applicant": "on",
            "note": "",
            "reason": "新指南",
        }

    def edit_changes(self):
        return {"note": "已在区政府网站公开", "reason": "补充备注"}


# --- helpers ------------------------------------------------------------------------------------------


def bureau():
    return Department.objects.get(name="区科技局")


def new_call(kjj, number, *, publish=True, qualifications=(), **extra) -> Call:
    """A call of next year in the district, open from a few days ago for a month (published unless told)."""
    today = timezone.localdate()
    fields = {
        "year": today.year + 1,
        "number": number,
        "title": f"测试申报指南{number}",
        "category": Category.DISTRICT,
        "department": bureau(),
        "topics": "关键技术攻关\n成果转化",
        "budget": Decimal("3000000"),
        "max_request": Decimal("300000"),
        "opens_on": max(date(today.year, 1, 1), today - timedelta(days=5)),
        "closes_on": today + timedelta(days=30),
        "attachments": "项目申报书",
        "enterprise_only": True,
        "one_per_applicant": True,
        **extra,
    }
    call = calls.save_call(kjj, None, reason="测试", qualifications=list(qualifications), **fields)
    if publish:
        workflow.perform(call, "publish", kjj)
        call.refresh_from_db()
    return call


def a_kind_not_held(enterprise) -> QualificationKind:
    held = Qualification.objects.filter(enterprise=enterprise).filter(valid_on_q(timezone.localdate()))
    kind = QualificationKind.objects.exclude(pk__in=held.values("kind")).order_by("sort_order").first()
    assert kind is not None, "the demo enterprise holds every kind"
    return kind


# --- who reads which call -----------------------------------------------------------------------------


def test_the_demo_has_past_calls_an_open_one_and_a_draft():
    assert samples.call() is not None and calls.is_open(samples.call())
    assert samples.draft_call() is not None
    finished = Call.objects.filter(status__in=[CallStatus.FINISHED, CallStatus.CLOSED], year__lte=2025)
    assert set(finished.values_list("year", flat=True)) == {2021, 2022, 2023, 2024, 2025}
    assert finished.filter(category=Category.KEY_TECHNOLOGY).count() == 1
    linked = Project.objects.filter(call__in=finished)
    assert linked.count() >= 8 and not linked.filter(topic="").exists()
    assert linked.exclude(discipline=None).count() == linked.count()


def test_an_enterprise_reads_published_calls_and_a_draft_answers_as_missing(client_as, user):
    draft = new_call(user("kjj"), "T-DRAFT", publish=False)
    client = client_as("qiye")
    listed = client.get("/calls/").context["page"].paginator.object_list
    assert samples.call() in listed and draft not in listed
    assert client.get(f"/calls/{samples.call().pk}/").status_code == 200
    assert client.get(f"/calls/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/calls/{draft.pk}").status_code == 404
    assert draft.pk not in [row["id"] for row in client.get("/api/v1/calls").json()["results"]]
    # the bureau keeps it
    assert client_as("kjj").get(f"/calls/{draft.pk}/").status_code == 200


@pytest.mark.parametrize("username", ["hanfeng", "leader"])
def test_reporters_and_leaders_read_published_calls_only(client_as, user, username):
    draft = new_call(user("kjj"), f"T-D-{username}", publish=False)
    client = client_as(username)
    listed = list(client.get("/calls/", {"status": CallStatus.OPEN}).context["page"].paginator.object_list)
    assert samples.call() in listed
    page = client.get(f"/calls/{samples.call().pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "支持方向" in html and 'aria-label="在线申报"' not in html  # not an applicant
    assert "申报情况" not in html  # nor a keeper
    assert client.get(f"/calls/{draft.pk}/").status_code == 404
    assert client.get(f"/calls/{draft.pk}/edit/").status_code == 403


# --- the rules of a call ------------------------------------------------------------------------------


def test_a_published_call_keeps_its_category(client_as, user):
    call = new_call(user("kjj"), "T-FIXED")
    with pytest.raises(ActionRefused, match="申报指南已发布，不能再修改：项目类别。"):
        calls.save_call(user("kjj"), call, category=Category.KEY_TECHNOLOGY)
    # the dates, budget and note still change
    calls.save_call(user("kjj"), call, reason="延长", closes_on=call.closes_on + timedelta(days=5))
    # on the edit page the refusal is the form's
    from kechuang.testing.registry import form_data_of

    client = client_as("kjj")
    data = form_data_of(client.get(f"/calls/{call.pk}/edit/").context["form"])
    response = client.post(f"/calls/{call.pk}/edit/", {**data, "category": Category.KEY_TECHNOLOGY})
    assert response.status_code == 200
    assert "申报指南已发布，不能再修改：项目类别。" in response.content.decode()
    call.refresh_from_db()
    assert call.category == Category.DISTRICT


def test_publishing_needs_a_budget_and_a_deadline_still_ahead(user):
    kjj = user("kjj")
    no_budget = new_call(kjj, "T-NOBUDGET", publish=False, budget=Decimal("0"), max_request=Decimal("0"))
    with pytest.raises(ActionRefused, match="发布前请填写：资金预算。"):
        workflow.perform(no_budget, "publish", kjj)
    today = timezone.localdate()
    past = new_call(
        kjj, "T-PAST", publish=False, opens_on=date(today.year, 1, 1), closes_on=date(today.year, 1, 2)
    )
    if past.closes_on >= today:  # the first days of a year: nothing is past yet
        pytest.skip("截止日期尚未过去")
    with pytest.raises(ActionRefused, match=f"申报截止日期（{past.closes_on:%Y-%m-%d}）已过"):
        workflow.perform(past, "publish", kjj)
    past.refresh_from_db()
    assert past.status == CallStatus.DRAFT


def test_the_deadline_before_the_opening_is_refused_naming_the_field(client_as, user):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        new_call(user("kjj"), "T-DATES", publish=False, closes_on=today - timedelta(days=400))
    assert caught.value.message_dict["closes_on"] == ["申报截止日期不能早于申报开始日期。"]
    data = TestCallRegistry().create_data(lambda name: Department.objects.get(name=name))
    response = client_as("kjj").post("/calls/new/", {**data, "closes_on": "2030-11-30"})
    assert response.status_code == 200
    assert response.context["form"].errors["closes_on"] == ["申报截止日期不能早于申报开始日期。"]
    assert not Call.objects.filter(number="KIT-CALL-1").exists()


def test_a_form_saves_topics_as_lines_and_qualifications(client_as):
    data = TestCallRegistry().create_data(lambda name: Department.objects.get(name=name))
    response = client_as("kjj").post("/calls/new/", {**data, "topics": "  关键技术攻关 \r\n\r\n成果转化\r\n"})
    assert response.status_code == 302
    call = Call.objects.get(number="KIT-CALL-1")
    assert call.topics == "关键技术攻关\n成果转化" and call.status == CallStatus.DRAFT
    assert [k.code for k in call.qualifications.all()] == ["cq_tech"]


def test_the_api_patches_a_call_keeping_its_qualifications(client_as, user):
    kind = QualificationKind.objects.get(code="hte")
    call = new_call(user("kjj"), "T-API", qualifications=[kind])
    client = client_as("kjj")
    response = client.patch(f"/api/v1/calls/{call.pk}", {"note": "接口修改"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["qualifications"] == [kind.pk] and response.json()["note"] == "接口修改"
    refused = client.patch(
        f"/api/v1/calls/{call.pk}", {"category": Category.KEY_TECHNOLOGY}, content_type="application/json"
    )
    assert refused.status_code == 422 and "项目类别" in refused.json()["detail"]


# --- 在线申报 ------------------------------------------------------------------------------------------


def test_an_enterprise_applies_online_and_finds_its_draft_on_the_call(client_as, user):
    call = new_call(user("kjj"), "T-APPLY")
    enterprise = samples.qiye_enterprise()
    client = client_as("qiye")
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert f"{enterprise.name}的申报条件" in page and "✓" in page and f"/calls/{call.pk}/apply/" in page
    response = client.post(f"/calls/{call.pk}/apply/", {"name": "春橙保鲜新工艺研究", "topic": "成果转化"})
    project = Project.objects.get(call=call)
    assert response.status_code == 302
    assert (
        response["Location"] == f"/projects/{project.pk}/application/"
        and APPLICATION_PAGE == "projects:application"
    )
    assert (project.status, project.enterprise, project.topic) == (Status.DRAFT, enterprise, "成果转化")
    assert project.department == enterprise.town and project.number == f"{call.number}-001"
    # the page now leads to the draft instead of offering the form again
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "您已有本指南的申报" in page and f"/projects/{project.pk}/" in page
    assert f'action="/calls/{call.pk}/apply/"' not in page
    again = client.post(f"/calls/{call.pk}/apply/", {"name": "第二项", "topic": "成果转化"})
    assert (
        again.status_code == 400 and "已有本指南的申报“春橙保鲜新工艺研究”（草稿）" in again.content.decode()
    )
    assert Project.objects.filter(call=call).count() == 1


def test_a_topic_outside_the_call_is_refused(client_as, user):
    call = new_call(user("kjj"), "T-TOPIC")
    response = client_as("qiye").post(f"/calls/{call.pk}/apply/", {"name": "某项目", "topic": "航空航天"})
    assert response.status_code == 400
    assert response.context["apply_form"].errors["topic"] == ["请从指南的支持方向中选择。"]
    assert not Project.objects.filter(call=call).exists()


def test_an_ineligible_enterprise_is_refused_naming_the_condition(client_as, user):
    enterprise = samples.qiye_enterprise()
    kind = a_kind_not_held(enterprise)
    call = new_call(user("kjj"), "T-QUAL", qualifications=[kind])
    client = client_as("qiye")
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "暂不符合本指南的申报条件" in page and f"✗ 持有{kind.name}（之一）" in page
    assert f'action="/calls/{call.pk}/apply/"' not in page
    response = client.post(f"/calls/{call.pk}/apply/", {"name": "某项目", "topic": "成果转化"})
    assert response.status_code == 400
    assert f"不符合申报条件“持有{kind.name}（之一）”" in response.content.decode()
    assert not Project.objects.filter(call=call).exists()


def test_applying_after_the_call_closed_is_refused(client_as, user):
    kjj = user("kjj")
    closed = new_call(kjj, "T-CLOSED")
    workflow.perform(closed, "close", kjj)
    past = new_call(kjj, "T-LATE")
    Call.objects.filter(pk=past.pk).update(closes_on=timezone.localdate() - timedelta(days=1))  # still 已发布
    client = client_as("qiye")
    for call in (closed, past):
        assert f'action="/calls/{call.pk}/apply/"' not in client.get(f"/calls/{call.pk}/").content.decode()
        response = client.post(f"/calls/{call.pk}/apply/", {"name": "迟到的项目", "topic": "成果转化"})
        assert response.status_code == 400
        assert f"申报指南“{call.title}”当前不在受理期内。" in response.content.decode()
        assert not Project.objects.filter(call=call).exists()


def test_only_who_speaks_for_an_enterprise_applies(client_as, user):
    call = samples.call()
    data = {"name": "某项目", "topic": call.topic_list[0]}
    assert client_as("kjj").post(f"/calls/{call.pk}/apply/", data).status_code == 403  # no enterprise
    assert client_as("leader").post(f"/calls/{call.pk}/apply/", data).status_code == 403
    draft = new_call(user("kjj"), "T-DRAFT-APPLY", publish=False)
    assert client_as("qiye").post(f"/calls/{draft.pk}/apply/", data).status_code == 404


# --- the keeper's view --------------------------------------------------------------------------------


def applied(kjj, call, count: int) -> list[Project]:
    district = Department.objects.get(name="开州区", kind=Department.Kind.DISTRICT)
    enterprises = Enterprise.objects.filter(town__path__startswith=district.path, is_active=True).order_by(
        "pk"
    )
    return [
        applications.start(kjj, call, enterprise=e, name=f"申报项目{n}", topic="成果转化")
        for n, e in enumerate(enterprises[:count])
    ]


def queries(client, url) -> int:
    client.get(url)  # warm the caches (session, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_keeper_sees_the_applications_and_the_page_does_not_grow_with_them(client_as, user):
    kjj = user("kjj")
    small, large = (
        new_call(kjj, "T-SMALL", enterprise_only=False),
        new_call(kjj, "T-LARGE", enterprise_only=False),
    )
    applied(kjj, small, 1)
    rows = applied(kjj, large, 30)
    assert len(rows) == 30
    Project.objects.filter(pk=rows[0].pk).update(status=Status.APPLIED, funding=Decimal("200000"))
    bureau_client = client_as("kjj")
    page = bureau_client.get(f"/calls/{large.pk}/")
    html = page.content.decode()
    assert "申报情况" in html and "共 30 项：草稿 29 项，申报 1 项" in html and rows[5].name in html
    assert "财政资助合计 20.00 万元" in html
    assert queries(bureau_client, f"/calls/{small.pk}/") == queries(bureau_client, f"/calls/{large.pk}/")
    # an enterprise sees neither the table nor the others' applications
    other = client_as("qiye").get(f"/calls/{large.pk}/").content.decode()
    assert "申报情况" not in other and rows[5].name not in other


# --- the sheet ----------------------------------------------------------------------------------------


def test_an_import_keeps_a_published_calls_rules_and_its_status(user):
    kjj = user("kjj")
    call = new_call(kjj, "T-SHEET")
    sheet = get_sheet("calls")
    context = sheet.prepare(kjj)
    row = {k: v for k, v in sheet.export_row(call).items() if k != "_id"}
    assert sheet.check_row(row, context) == {}
    assert sheet.check_row({**row, "category": Category.KEY_TECHNOLOGY}, context) == {
        None: "申报指南已发布，不能再修改：项目类别"
    }
    assert (
        "状态只能在系统中通过办理操作变更"
        in sheet.check_row({**row, "status": CallStatus.CLOSED}, context)["status"]
    )
    assert "不是资质类型" in sheet.check_row({**row, "qualifications": "某资质"}, context)["qualifications"]
    new = {**row, "number": "T-SHEET-NEW", "budget": None}
    assert "资金预算" in sheet.check_row(new, context)["status"]  # a new published call must be publishable
