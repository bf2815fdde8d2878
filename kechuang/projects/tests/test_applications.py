"""An online application as its applicant and the bureau use it, through the pages: the applicant's page
(basics, co-applicants, budget, attachments, submission), 形式审查 on the project's 办理 panel (return with
a comment, accept), correction and resubmission within the period; every bad input refused with a Chinese
message naming what is wrong, and nothing stored; nobody reaches another's application."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.projects import applications, calls
from kechuang.projects.models import (
    Attachment,
    BudgetLine,
    Call,
    CallStatus,
    Category,
    CoApplicant,
    Project,
    Status,
)
from kechuang.reviews.models import Discipline
from kechuang.testing import samples
from kechuang.workflow import engine as workflow
from kechuang.workflow.models import Event

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def open_call(user, **changes) -> Call:
    """A published call open today, the tests' own (number TEST-SQ…)."""
    today = timezone.localdate()
    fields = {
        "year": today.year + 1,
        "number": "TEST-SQ",
        "title": "测试申报指南",
        "category": Category.DISTRICT,
        "department": Department.objects.get(name="区科技局"),
        "topics": "智能制造\n新材料",
        "budget": Decimal("1000000"),
        "max_request": Decimal("300000"),
        "opens_on": today - timedelta(days=3),
        "closes_on": today + timedelta(days=20),
        "correction_days": 5,
        "attachments": "项目申报书\n营业执照",
    }
    fields.update(changes)
    call = calls.save_call(user("kjj"), None, reason="测试", **fields)
    workflow.perform(call, "publish", user("kjj"))
    return Call.objects.get(pk=call.pk)


def start(user, call, name="测试申报项目") -> Project:
    return applications.start(
        user("qiye"), call, enterprise=samples.qiye_enterprise(), name=name, topic=call.topic_list[0]
    )


def url(project) -> str:
    return f"/projects/{project.pk}/application/"


def basics(**changes) -> dict:
    data = {
        "step": "basics",
        "name": "测试申报项目",
        "topic": "智能制造",
        "discipline": str(Discipline.objects.get(name="新材料").pk),
        "summary": "研究内容与技术路线",
        "contact_name": "张三",
        "contact_phone": "13800001111",
        "funding": "200000.00",
        "self_funding": "100000",
        "planned_end_on": "",
    }
    data.update(changes)
    return data


def budget(**amounts) -> dict:
    """The budget table as posted: funding_n / self_n / note_n of each budget item (n: its row)."""
    data = {"step": "budget"}
    for n in range(10):
        data.update({f"funding_{n}": "", f"self_{n}": "", f"note_{n}": ""})
    data.update(amounts)
    return data


GOOD_BUDGET = {
    "funding_0": "120000",
    "self_0": "60000",
    "note_0": "检测设备",
    "funding_1": "80000",
    "self_1": "40000",
}


def attach(kind, name, content) -> dict:
    return {"step": "attach", "kind": kind, "file": SimpleUploadedFile(name, content)}


def text(response) -> str:
    return response.content.decode()


def fill(client, project):
    assert client.post(url(project), basics()).status_code == 302
    assert client.post(url(project), budget(**GOOD_BUDGET)).status_code == 302
    for kind in ("项目申报书", "营业执照"):
        assert client.post(url(project), attach(kind, f"{kind}.pdf", PDF)).status_code == 302


def run(client, project, name, comment=""):
    return client.post(f"/workflow/projects.project/{project.pk}/{name}/", {"comment": comment})


def stored(project) -> Project:
    return Project.objects.get(pk=project.pk)


# --- the whole path ---------------------------------------------------------------------------------


def test_the_applicant_fills_submits_corrects_and_resubmits_and_the_bureau_accepts(client_as, user, media):
    call = open_call(user)
    project = start(user, call)
    qiye, kjj = client_as("qiye"), client_as("kjj")

    page = text(qiye.get(url(project)))
    assert "请填写：评审领域、项目简介、项目联系人、联系电话。" in page
    assert "缺少附件：项目申报书、营业执照。" in page and 'id="submit-button" disabled' in page
    assert "申报截止日期" in page and call.closes_on.isoformat() in page

    response = qiye.post(url(project), basics(), follow=True)
    assert "基本信息已保存。" in text(response)
    saved = stored(project)
    assert (saved.funding, saved.self_funding, saved.topic) == (
        Decimal("200000"),
        Decimal("100000"),
        "智能制造",
    )
    assert saved.contact_phone == "13800001111" and saved.discipline.name == "新材料"

    qiye.post(url(project), {"step": "co_add", "name": "重庆大学", "share": "工艺研究"})
    assert list(saved.co_applicants.values_list("name", "share")) == [("重庆大学", "工艺研究")]

    # a budget that does not add up is saved with a warning; submission would refuse it
    response = qiye.post(url(project), budget(funding_0="100000", self_0="100000"), follow=True)
    page = text(response)
    assert "预算明细已保存（1 个科目）。" in page
    assert "预算明细的财政资助合计 100,000.00 元，与申请财政资助 200,000.00 元不一致。" in page
    qiye.post(url(project), budget(**GOOD_BUDGET))
    assert sorted(saved.budget_lines.values_list("item", "funding", "self_funding")) == [
        ("材料费", Decimal("80000"), Decimal("40000")),
        ("设备费", Decimal("120000"), Decimal("60000")),
    ]

    for kind in ("项目申报书", "营业执照"):
        response = qiye.post(url(project), attach(kind, f"{kind}.pdf", PDF), follow=True)
        assert f"已上传附件：{kind}（{kind}.pdf）。" in text(response)
    attachment = Attachment.objects.get(project=project, kind="营业执照")
    assert attachment.size == len(PDF) and attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    download = qiye.get(f"/projects/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"] and "%E8%90%A5" in download["Content-Disposition"]

    page = text(qiye.get(url(project)))
    assert "已填写完整，可以提交。" in page and 'id="submit-button" disabled' not in page
    response = qiye.post(url(project), {"step": "submit"}, follow=True)
    assert "申报已提交，等待形式审查。" in text(response)
    assert stored(project).status == Status.APPLIED and stored(project).applied_on == timezone.localdate()

    # 形式审查: the bureau returns it from the project's 办理 panel; a return needs a comment
    detail = text(kjj.get(f"/projects/{project.pk}/"))
    assert "重庆大学" in detail and "营业执照.pdf" in detail and "200,000.00" in detail
    run(kjj, project, "return")
    assert stored(project).status == Status.APPLIED
    run(kjj, project, "return", "预算说明不完整，请补充设备清单")
    assert stored(project).status == Status.RETURNED

    page = text(qiye.get(url(project)))
    deadline = timezone.localdate() + timedelta(days=call.correction_days)
    assert "形式审查退回意见" in page and "预算说明不完整，请补充设备清单" in page
    assert "补正截止日期" in page and deadline.isoformat() in page
    qiye.post(url(project), budget(**{**GOOD_BUDGET, "note_0": "检测设备：光谱仪 1 台"}))
    assert BudgetLine.objects.get(project=project, item="设备费").note == "检测设备：光谱仪 1 台"
    response = qiye.post(url(project), {"step": "submit"}, follow=True)
    assert "申报已重新提交，等待形式审查。" in text(response)
    assert stored(project).status == Status.APPLIED

    run(kjj, project, "accept")
    assert stored(project).status == Status.ACCEPTED
    events = [e.transition for e in workflow.history(stored(project))]
    assert events == ["submit", "return", "resubmit", "accept"]
    # now the application is the bureau's: shown read-only, and a change is refused
    page = text(qiye.get(url(project)))
    assert "不能再修改" in page and 'name="step" value="basics"' not in page
    response = qiye.post(url(project), basics(name="改过的名称"))
    assert response.status_code == 400 and "该申报的状态为“受理”，不能再修改" in text(response)
    assert stored(project).name == "测试申报项目"
    assert qiye.post(url(project), budget()).status_code == 400
    assert stored(project).budget_lines.count() == 2
    response = qiye.post(url(project), attach("其他", "补充.pdf", PDF))
    assert response.status_code == 400 and Attachment.objects.filter(project=project).count() == 2
    # the project page offers the application page only while it is editable
    assert "填写/修改申报书" not in text(qiye.get(f"/projects/{project.pk}/"))


def test_the_project_page_offers_the_application_to_its_applicant_while_editable(client_as, user):
    project = start(user, open_call(user))
    page = text(client_as("qiye").get(f"/projects/{project.pk}/"))
    assert f'href="/projects/{project.pk}/application/"' in page and "填写/修改申报书" in page
    assert "测试申报指南" in page
    assert "填写/修改申报书" not in text(client_as("leader").get(f"/projects/{project.pk}/"))


# --- refusals: a clear message, nothing stored ----------------------------------------------------


def test_submission_after_the_call_closed_is_refused(client_as, user):
    call = open_call(user)
    project = start(user, call)
    client = client_as("qiye")
    fill(client, project)
    Call.objects.filter(pk=call.pk).update(closes_on=timezone.localdate() - timedelta(days=1))
    response = client.post(url(project), {"step": "submit"})
    closed = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert response.status_code == 400
    assert f"申报指南“测试申报指南”已于 {closed} 截止受理，不能再提交。" in text(response)
    assert stored(project).status == Status.DRAFT
    assert not Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Project), object_id=str(project.pk)
    ).exists()


def test_a_budget_that_does_not_add_up_and_a_missing_attachment_block_submission(client_as, user):
    project = start(user, open_call(user))
    client = client_as("qiye")
    client.post(url(project), basics())
    client.post(url(project), budget(funding_0="150000", self_0="100000"))
    client.post(url(project), attach("项目申报书", "申报书.pdf", PDF))
    page = text(client.get(url(project)))
    assert 'id="submit-button" disabled' in page
    response = client.post(url(project), {"step": "submit"})
    body = text(response)
    assert response.status_code == 400
    assert "预算明细的财政资助合计 150,000.00 元与申请财政资助 200,000.00 元不一致。" in body
    assert "缺少附件：营业执照。" in body
    assert stored(project).status == Status.DRAFT


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("营业执照.pdf", EXE, "附件“营业执照.pdf”不是文档或图片（按文件内容识别）"),
        ("营业执照.pdf", b"", "附件“营业执照.pdf”是空文件。"),
    ],
    ids=["an-exe-renamed-pdf", "an-empty-file"],
)
def test_a_file_that_is_not_a_document_is_refused(client_as, user, media, name, content, message):
    project = start(user, open_call(user))
    response = client_as("qiye").post(url(project), attach("营业执照", name, content))
    assert response.status_code == 400 and message in text(response)
    assert not Attachment.objects.filter(project=project).exists() and stored_files(media) == []


def test_a_file_over_the_limit_is_refused_while_it_arrives(client_as, user, media, settings):
    settings.ATTACHMENT_MAX_BYTES = MB
    project = start(user, open_call(user))
    client = client_as("qiye")
    assert "每个不超过 1 MB" in text(client.get(url(project)))
    response = client.post(url(project), attach("营业执照", "大文件.pdf", PDF + b"0" * (MB + 10)))
    assert response.status_code == 400
    assert "文件“大文件.pdf”超过 1 MB，未上传。请重新选择文件" in text(response)
    assert not Attachment.objects.filter(project=project).exists() and stored_files(media) == []


def test_an_unknown_attachment_kind_and_no_file_are_refused(client_as, user, media):
    project = start(user, open_call(user))
    client = client_as("qiye")
    response = client.post(url(project), attach("随便什么", "a.pdf", PDF))
    assert response.status_code == 400 and "选择一个有效的选项" in text(response)
    response = client.post(url(project), {"step": "attach", "kind": "营业执照"})
    assert response.status_code == 400 and "请选择要上传的文件。" in text(response)
    assert not Attachment.objects.filter(project=project).exists() and stored_files(media) == []


def test_negative_amounts_are_refused_naming_the_field_or_row(client_as, user):
    project = start(user, open_call(user))
    client = client_as("qiye")
    response = client.post(url(project), basics(funding="-1"))
    assert response.status_code == 400 and "财政资助金额不能为负数。" in text(response)
    assert stored(project).funding == 0 and stored(project).contact_name == ""
    response = client.post(url(project), basics(funding="300000.01"))
    assert "超过指南的单项上限 300,000.00 元" in text(response) and stored(project).funding == 0

    client.post(url(project), budget(**GOOD_BUDGET))
    before = sorted(project.budget_lines.values_list("item", "funding", "self_funding", "note"))
    response = client.post(
        url(project), budget(funding_0="1000", self_0="-5", funding_2="abc", funding_3="10")
    )
    body = text(response)
    assert response.status_code == 400
    assert "测试化验加工费 财政资助（元）：输入一个数字。" in body
    assert "预算明细未保存" in body and 'value="abc"' in body  # what was typed is kept on the page
    response = client.post(url(project), budget(funding_0="1000", self_0="-5", funding_3="10"))
    assert "设备费：自筹金额不能为负数。" in text(response)
    response = client.post(url(project), budget(note_4="只有说明"))
    assert "差旅/会议/国际合作与交流费：填写了说明但没有金额" in text(response)
    assert sorted(project.budget_lines.values_list("item", "funding", "self_funding", "note")) == before


def test_co_applicants_twice_or_the_applicant_itself_are_refused(client_as, user):
    project = start(user, open_call(user))
    client = client_as("qiye")
    client.post(url(project), {"step": "co_add", "name": "重庆大学"})
    response = client.post(url(project), {"step": "co_add", "name": "重庆大学"})
    assert response.status_code == 400 and "该合作单位已在本项目中。" in text(response)
    response = client.post(url(project), {"step": "co_add", "name": samples.qiye_enterprise().name})
    assert "合作单位不能是申报单位本身。" in text(response)
    assert CoApplicant.objects.filter(project=project).count() == 1
    co = CoApplicant.objects.get(project=project)
    client.post(url(project), {"step": "co_remove", "co_applicant": co.pk})
    assert not CoApplicant.objects.filter(project=project).exists()


def test_nobody_reaches_another_enterprises_application(client_as, user, media):
    call = open_call(user)
    other = (
        Project.objects.filter(call__isnull=False)
        .exclude(enterprise=samples.qiye_enterprise())
        .exclude(attachments=None)
        .first()
    )
    assert other is not None, "the demo has other enterprises' applications"
    client = client_as("qiye")
    assert client.get(url(other)).status_code == 404
    assert client.post(url(other), basics()).status_code == 404
    attachment = other.attachments.first()
    assert client.get(f"/projects/attachments/{attachment.pk}/").status_code == 404
    # rows of another application through one's own page: 404, nothing removed
    own = start(user, call)
    co = CoApplicant.objects.filter(project=other).first()
    assert client.post(url(own), {"step": "co_remove", "co_applicant": co.pk}).status_code == 404
    assert client.post(url(own), {"step": "detach", "attachment": attachment.pk}).status_code == 404
    assert (
        CoApplicant.objects.filter(pk=co.pk).exists() and Attachment.objects.filter(pk=attachment.pk).exists()
    )
    # roles without the right to apply: 403; a project that is not an online application: 404
    assert client_as("leader").get(url(own)).status_code == 403
    assert client_as("hanfeng").get(url(own)).status_code == 403
    assert client_as("kjj").get(url(samples.project())).status_code == 404


def test_resubmission_after_the_correction_period_is_refused(client_as, user):
    call = open_call(user, correction_days=2)
    project = start(user, call)
    client = client_as("qiye")
    fill(client, project)
    client.post(url(project), {"step": "submit"})
    run(client_as("kjj"), project, "return", "请补充营业执照副本")
    returned = workflow.last_event(stored(project), "return")
    Event.objects.filter(pk=returned.pk).update(at=returned.at - timedelta(days=3))  # returned 3 days ago
    deadline = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = text(client.get(url(project)))
    assert f"退回补正的期限（{deadline}）已过，不能再重新提交。" in page
    response = client.post(url(project), {"step": "submit"})
    assert response.status_code == 400 and f"退回补正的期限（{deadline}）已过" in text(response)
    assert stored(project).status == Status.RETURNED


def test_an_unknown_step_changes_nothing(client_as, user):
    project = start(user, open_call(user))
    response = client_as("qiye").post(url(project), {"step": "delete"}, follow=True)
    assert "无法识别的操作" in text(response)
    assert stored(project).status == Status.DRAFT


def test_saving_the_basics_untouched_changes_nothing(client_as, user):
    from kechuang.testing.registry import form_data_of

    project = start(user, open_call(user))
    client = client_as("qiye")
    planned = timezone.localdate() + timedelta(days=400)
    # a browser's textarea sends its line breaks as CRLF: stored as LF, so the next save matches
    client.post(url(project), basics(planned_end_on=planned.isoformat(), summary="研究内容\r\n技术路线"))
    assert stored(project).summary == "研究内容\n技术路线" and stored(project).planned_end_on == planned
    token = stored(project).contact_phone.token
    before = Project.objects.filter(pk=project.pk).values().get()
    last = ChangeEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    form = client.get(url(project)).context["basics"]
    assert client.post(url(project), {"step": "basics", **form_data_of(form)}).status_code == 302
    assert Project.objects.filter(pk=project.pk).values().get() == before
    assert stored(project).contact_phone.token == token  # the same ciphertext, not a new encryption
    assert not ChangeEntry.objects.filter(pk__gt=last).exists()


# --- a fixed number of queries ------------------------------------------------------------------


def queries(client, path) -> int:
    client.get(path)  # the messages of the last step are shown (and the session written) once, before
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_the_pages_cost_the_same_whatever_the_rows(client_as, user):
    project = start(user, open_call(user))
    client = client_as("qiye")
    client.post(url(project), basics())
    client.post(url(project), budget(funding_0="1"))
    CoApplicant.objects.create(project=project, name="合作单位0")
    Attachment.objects.create(
        project=project,
        kind="其他",
        file=ContentFile(PDF, name="0.pdf"),
        name="0.pdf",
        size=len(PDF),
        sha256="0",
    )
    pages = [url(project), f"/projects/{project.pk}/"]
    before = [queries(client, page) for page in pages]
    client.post(url(project), budget(**{f"funding_{n}": "1" for n in range(10)}))
    assert project.budget_lines.count() == 10
    for n in range(1, 20):
        CoApplicant.objects.create(project=project, name=f"合作单位{n}")
        Attachment.objects.create(
            project=project,
            kind="其他",
            file=ContentFile(PDF, name=f"{n}.pdf"),
            name=f"{n}.pdf",
            size=len(PDF),
            sha256=str(n),
        )
    assert [queries(client, page) for page in pages] == before


# --- the demo ---------------------------------------------------------------------------------------


def test_the_demo_has_the_enterprises_draft_and_returned_application_and_others_submitted():
    own = samples.qiye_enterprise()
    mine = Project.objects.filter(enterprise=own, call__isnull=False)
    assert sorted(mine.values_list("status", flat=True)) == sorted([Status.DRAFT, Status.RETURNED])
    returned = mine.get(status=Status.RETURNED)
    event = workflow.last_event(returned, "return")
    assert event.comment == "预算明细与申请金额不一致，请补正" and event.actor.username == "kjj"
    assert returned.budget_lines.exists() and returned.co_applicants.exists()
    assert set(returned.attachments.values_list("kind", flat=True)) == set(returned.call.attachment_list)
    draft = mine.get(status=Status.DRAFT)
    assert calls.is_open(draft.call) and draft.budget_lines.exists() and not draft.attachments.exists()
    # one application per applicant: the returned one answers another call, so the draft may still go in
    assert draft.call_id != returned.call_id or not draft.call.one_per_applicant
    assert not any("同一单位限报一项" in p for p in applications.problems(draft))
    # the open calls' applications were made online (earlier calls are linked to the ledger's projects)
    others = Project.objects.filter(call__status=CallStatus.OPEN).exclude(enterprise=own)
    assert {Status.APPLIED, Status.ACCEPTED} <= set(others.values_list("status", flat=True))
    for project in others:
        assert project.co_applicants.exists() and project.attachments.exists()
        assert sum(line.funding for line in project.budget_lines.all()) == project.funding


def test_the_bureau_files_for_a_unit_outside_the_registry(user, client_as):
    from kechuang.projects.tests.test_selection import PDF, open_call

    kjj = user("kjj")
    town = Department.objects.get(name="汉丰街道")
    call = open_call(number="KZ-UNIT-01", enterprise_only=False, one_per_applicant=True)
    page = client_as(kjj).post(
        f"/calls/{call.pk}/apply-for-unit/",
        {
            "unit_name": "开州区人民医院",
            "department": town.pk,
            "name": "智慧医疗随访系统",
            "topic": "成果转化",
        },
    )
    assert page.status_code == 302
    project = Project.objects.get(call=call, unit_name="开州区人民医院")
    assert project.enterprise is None and project.department == town and project.status == Status.DRAFT
    applications.save_application(
        kjj,
        project,
        discipline=Discipline.objects.order_by("order").first(),
        summary="随访系统",
        contact_name="李医生",
        contact_phone="13900000000",
        funding=Decimal("100000"),
        self_funding=Decimal("0"),
    )
    applications.save_budget(kjj, project, {"设备费": (Decimal("100000"), 0, "")})
    applications.add_attachment(
        kjj, project, kind="项目申报书", upload=SimpleUploadedFile("申报书.pdf", PDF, "application/pdf")
    )
    applications.submit(kjj, Project.objects.get(pk=project.pk))
    assert Project.objects.get(pk=project.pk).status == Status.APPLIED
    # the same unit once per call: a second draft is refused when it is submitted
    second = applications.start(
        kjj, call, unit_name="开州区人民医院", department=town, name="第二项", topic="成果转化"
    )
    assert "同一单位限报一项" in " ".join(applications.problems(second))
    # a call for registered enterprises only takes no unit; a reporter cannot file for one
    only = open_call(number="KZ-UNIT-02", enterprise_only=True)
    with pytest.raises(ActionRefused, match="仅限登记企业"):
        applications.start(
            kjj, only, unit_name="开州中学", department=town, name="校园创客", topic="成果转化"
        )
    with pytest.raises(ActionRefused):
        applications.start(
            user("hanfeng"), call, unit_name="开州中学", department=town, name="校园创客", topic="成果转化"
        )
    with pytest.raises(ValidationError):
        applications.start(kjj, call, unit_name=" ", department=town, name="无名", topic="成果转化")
