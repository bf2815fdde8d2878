"""Reporting rounds end to end through HTTP: open, fill in with evidence, submit, review, lock — and the
bad inputs that must be refused with nothing stored."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.org.actions import ActionRefused
from kechuang.org.models import RoleGrant, User
from kechuang.plans.models import Indicator
from kechuang.progress.actions import save_report
from kechuang.progress.models import Judgement, Report, ReportedValue, ReportingRound
from kechuang.progress.status import progress_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def stats_reporter(user):
    return user("tjj")  # the demo's 区统计局 reporter


@pytest.fixture
def opened(client_as):
    ReportingRound.objects.filter(period="2021").delete()  # the demo's approved 2021 round
    response = client_as("kjj").post(
        "/progress/rounds/", {"period": "2021", "frequency": "yearly", "due_on": "2022-01-31"}
    )
    assert response.status_code == 302
    return ReportingRound.objects.get(period="2021")


def stats_report(reporting_round, dept):
    return Report.objects.get(round=reporting_round, department=dept("区统计局"))


def rd_gdp():
    return Indicator.objects.get(code="8-1")


def rd_figures(numerator, denominator, **more):
    """The R&D/GDP ratio is reported as its two parts (万元)."""
    pk = rd_gdp().pk
    return {f"numerator_{pk}": numerator, f"denominator_{pk}": denominator, **more}


def judged(**more):
    """The 区统计局's own judgement of its 2021 target."""
    pk = rd_gdp().targets.get(year=2021).pk
    return {f"judgement_{pk}": "green", f"reason_{pk}": "统计年报已出，达到目标", **more}


def test_opening_a_round_gives_each_responsible_unit_a_draft(opened, dept):
    units = set(opened.reports.values_list("department__name", flat=True))
    assert {
        "区科技局",
        "区统计局",
        "开州工业园区管委会",
        "区科协",
        "区教委",
        "区委宣传部",
        "区财政局",
    } <= units
    assert all(r.status == "draft" for r in opened.reports.all())


def test_only_the_bureau_opens_rounds(client_as):
    assert (
        client_as("jxw")
        .post("/progress/rounds/", {"period": "2022", "frequency": "yearly", "due_on": "2023-01-31"})
        .status_code
        == 403
    )
    assert not ReportingRound.objects.filter(period="2022").exists()
    body = (
        client_as("kjj")
        .post("/progress/rounds/", {"period": "2022Q5", "frequency": "quarterly", "due_on": "2023-01-31"})
        .content.decode()
    )
    assert "无法识别的期间“2022Q5”" in body


def test_fill_submit_approve_and_the_figure_counts(client_as, opened, dept, stats_reporter):
    client = client_as(stats_reporter)
    report = stats_report(opened, dept)
    indicator = rd_gdp()
    response = client.post(
        f"/progress/reports/{report.pk}/",
        rd_figures(
            "91,854",
            "5670000",
            **judged(),
            **{
                f"note_{indicator.pk}": "统计年报口径",
                f"evidence_{indicator.pk}": SimpleUploadedFile("年报.pdf", PDF),
                "narrative": "全年研发投入稳步增长",
                "submit": "1",
            },
        ),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == stats_reporter
    value = ReportedValue.objects.get(report=report)
    assert value.value == Decimal("1.62") and value.evidence.name.endswith(".pdf")
    # both parts are kept, in 元
    assert (value.numerator, value.denominator) == (Decimal(918_540_000), Decimal(56_700_000_000))
    assert report.judgements.get().status == "green"
    # not approved yet: the cockpit still waits
    target = indicator.targets.get(year=2021)
    assert progress_of(target, date(2022, 3, 1)).status == "no_data"
    client_as("kjj").post(
        f"/progress/reports/{report.pk}/", {"review": "approve", "comment": "数据与统计年报一致"}
    )
    report.refresh_from_db()
    assert report.status == "approved" and report.reviewed_by.username == "kjj"
    progress = progress_of(target, date(2022, 3, 1))
    assert (progress.current, progress.status) == (Decimal("1.62"), "green")
    # the approved period is locked
    body = client.post(f"/progress/reports/{report.pk}/", rd_figures("1", "2")).content.decode()
    assert ReportedValue.objects.get(report=report).value == Decimal("1.62")
    assert "审核" in body


@pytest.mark.parametrize(
    "numerator, denominator, message",
    [
        ("150", "100", "比率不能超过 100%"),
        ("-1", "100", "不能为负数"),
        ("一点五", "100", "“一点五”不是数字"),
        ("1", "0", "地区生产总值不能为 0"),
        ("1", "", "请同时填写全社会研发经费内部支出和地区生产总值"),
    ],
)
def test_bad_figures_are_refused_not_stored_and_shown_as_typed(
    client_as, opened, dept, stats_reporter, numerator, denominator, message
):
    report = stats_report(opened, dept)
    pk = rd_gdp().pk
    body = (
        client_as(stats_reporter)
        .post(
            f"/progress/reports/{report.pk}/",
            rd_figures(numerator, denominator, **judged(narrative="统计年报尚未出齐")),
        )
        .content.decode()
    )
    assert message in body
    assert not ReportedValue.objects.filter(report=report).exists()
    # what was typed comes back in the form; the parts without a mistake are kept in the draft
    assert f'name="numerator_{pk}" value="{numerator}"' in body
    assert f'name="denominator_{pk}" value="{denominator}"' in body
    assert "统计年报尚未出齐</textarea>" in body and "已保存为草稿" in body
    assert report.judgements.get().reason == "统计年报已出，达到目标"
    assert Report.objects.get(pk=report.pk).narrative == "统计年报尚未出齐"


def test_every_mistake_is_listed_and_nothing_typed_is_lost(client_as, opened, dept):
    """Several mistakes at once: each is named; the valid figure, its evidence, the valid judgement and
    the narrative are kept; the report stays a draft."""
    reporter = User.objects.create(username="kjj_tb3", display_name="科技局填报员")
    RoleGrant.objects.create(user=reporter, role="reporter", scope="department", department=dept("区科技局"))
    report = Report.objects.get(round=opened, department=dept("区科技局"))
    funds = Indicator.objects.get(code="6-1")
    funds_2021 = funds.targets.get(year=2021)
    stock = Indicator.objects.get(code="1-3").targets.filter(year=2025).first()
    task = report.department.led_tasks.get(code="6.2")
    form = {
        f"value_{funds.pk}": "2126",
        f"evidence_{funds.pk}": SimpleUploadedFile("拨付凭证.pdf", PDF),
        f"note_{funds.pk}": "财政拨付口径",
        f"judgement_{funds_2021.pk}": "green",
        f"reason_{funds_2021.pk}": "已全部兑现",
        f"judgement_{stock.pk}": "red",
        f"reason_{stock.pk}": "",
        f"task_{task.pk}": "不存在的状态",
        f"tasknote_{task.pk}": "政策已兑现",
        "narrative": "全年兑现奖补资金",
        "submit": "1",
    }
    body = client_as(reporter).post(f"/progress/reports/{report.pk}/", form).content.decode()
    assert f"{stock}：请写明自评为“滞后”的理由。" in body
    assert "6.2 兑现区级财政奖补资金：进展状态无效。" in body
    assert "提交前请填写：" in body and "有 3 处需要修改" in body
    report.refresh_from_db()
    assert report.status == "draft" and report.narrative == "全年兑现奖补资金"
    kept = ReportedValue.objects.get(report=report, indicator=funds)
    assert kept.value == Decimal(21_260_000) and kept.evidence.name.endswith(".pdf")
    assert report.judgements.get(target=funds_2021).reason == "已全部兑现"
    assert not report.judgements.filter(target=stock).exists()
    # the form shows what was typed, and the evidence already kept
    assert f'name="reason_{funds_2021.pk}" value="已全部兑现"' in body
    assert f'name="tasknote_{task.pk}" value="政策已兑现"' in body
    assert "已上传：" in body and "不选新文件则保留已上传的材料" in body


def test_a_judgement_needs_its_reason_and_submit_needs_a_judgement(client_as, opened, dept, stats_reporter):
    report = stats_report(opened, dept)
    target = rd_gdp().targets.get(year=2021)
    client = client_as(stats_reporter)
    body = client.post(
        f"/progress/reports/{report.pk}/",
        rd_figures("1", "100", **{f"judgement_{target.pk}": "red", f"reason_{target.pk}": " "}),
    ).content.decode()
    assert "请写明自评为“滞后”的理由" in body and not report.judgements.exists()
    body = client.post(f"/progress/reports/{report.pk}/", rd_figures("1", "100", submit="1")).content.decode()
    assert "的自评" in body and Report.objects.get(pk=report.pk).status == "draft"
    # a judgement for a target the unit does not answer for: ignored by the form, refused by the action
    other = Indicator.objects.get(code="6-1").targets.first()
    client.post(
        f"/progress/reports/{report.pk}/",
        judged(**{f"judgement_{other.pk}": "green", f"reason_{other.pk}": "越权"}),
    )
    with pytest.raises(ActionRefused, match="不能评价不属于本单位的目标"):
        save_report(
            stats_reporter,
            report,
            narrative="",
            values={},
            task_updates={},
            judgements={other.pk: ("green", "越权")},
        )
    assert not Judgement.objects.filter(target=other, report=report).exists()


def test_amounts_are_kept_in_yuan_and_shown_in_wanyuan(client_as, opened, dept):
    reporter = User.objects.create(username="kjj_tb2", display_name="科技局填报员")
    RoleGrant.objects.create(user=reporter, role="reporter", scope="department", department=dept("区科技局"))
    report = Report.objects.get(round=opened, department=dept("区科技局"))
    amount = Indicator.objects.get(code="6-1")
    client = client_as(reporter)
    assert (
        client.post(f"/progress/reports/{report.pk}/", {f"value_{amount.pk}": "2,126.5"}).status_code == 302
    )
    assert ReportedValue.objects.get(report=report, indicator=amount).value == Decimal(21_265_000)
    body = client.get(f"/progress/reports/{report.pk}/").content.decode()
    assert 'value="2126.5"' in body


def test_evidence_is_checked_by_content(client_as, opened, dept, stats_reporter):
    report = stats_report(opened, dept)
    indicator = rd_gdp()
    fake = SimpleUploadedFile("年报.pdf", b"MZ\x90\x00 this is a program")
    body = (
        client_as(stats_reporter)
        .post(
            f"/progress/reports/{report.pk}/",
            rd_figures("1", "100", **{f"evidence_{indicator.pk}": fake}),
        )
        .content.decode()
    )
    assert "不是文档或图片（按文件内容识别）" in body and "请重新选择文件" in body
    assert not ReportedValue.objects.filter(report=report).exclude(evidence="").exists()


def test_counts_cannot_be_negative(client_as, opened, dept):
    reporter = User.objects.create(username="kjj_tb", display_name="科技局填报员")
    RoleGrant.objects.create(user=reporter, role="reporter", scope="department", department=dept("区科技局"))
    report = Report.objects.get(round=opened, department=dept("区科技局"))
    amount = Indicator.objects.get(code="6-1")
    body = (
        client_as(reporter)
        .post(f"/progress/reports/{report.pk}/", {f"value_{amount.pk}": "-20"})
        .content.decode()
    )
    assert "区级财政科技奖补资金兑现额：数值不能为负数。" in body


def test_reporter_cannot_reach_another_departments_report(client_as, opened, dept):
    report = stats_report(opened, dept)
    assert client_as("jxw").get(f"/progress/reports/{report.pk}/").status_code == 404
    assert client_as("jxw").post(f"/progress/reports/{report.pk}/", {"narrative": "越权"}).status_code == 404
    assert Report.objects.get(pk=report.pk).narrative == ""


def test_submit_needs_every_figure_and_return_needs_a_reason(client_as, opened, dept, stats_reporter):
    report = stats_report(opened, dept)
    body = client_as(stats_reporter).post(f"/progress/reports/{report.pk}/", {"submit": "1"}).content.decode()
    assert "提交前请填写：全社会研发经费投入占GDP比重、" in body
    client_as(stats_reporter).post(
        f"/progress/reports/{report.pk}/", rd_figures("85050", "5670000", **judged(submit="1"))
    )
    body = client_as("kjj").post(f"/progress/reports/{report.pk}/", {"review": "return"}).content.decode()
    assert "退回时请写明原因" in body
    client_as("kjj").post(f"/progress/reports/{report.pk}/", {"review": "return", "comment": "请附统计年报"})
    report.refresh_from_db()
    assert report.status == "returned" and report.editable


def test_board_shows_who_has_not_reported_and_lateness(client_as, opened):
    body = client_as("kjj").get(f"/progress/rounds/{opened.pk}/").content.decode()
    assert "尚未报送" in body and "严重逾期" in body  # due 2022-01-31, today is long after


def test_evidence_downloads_only_within_scope(client_as, opened, dept, stats_reporter):
    report = stats_report(opened, dept)
    indicator = rd_gdp()
    client_as(stats_reporter).post(
        f"/progress/reports/{report.pk}/",
        rd_figures("1", "100", **{f"evidence_{indicator.pk}": SimpleUploadedFile("年报.pdf", PDF)}),
    )
    value = ReportedValue.objects.get(report=report)
    response = client_as("kjj").get(f"/progress/values/{value.pk}/evidence/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_as("jxw").get(f"/progress/values/{value.pk}/evidence/").status_code == 404


def test_cockpit_lists_late_units_of_the_latest_round(client_as, opened):
    body = client_as("leader").get("/progress/cockpit/").content.decode()
    assert "逾期未报送" in body and "区统计局" in body


def test_a_milestone_is_done_or_not_and_done_needs_evidence(client_as, opened, dept, stats_reporter):
    """A milestone indicator (e.g. a platform opened) is reported as 已完成/未完成; 已完成 needs evidence."""
    from kechuang.plans.models import Programme, Target

    milestone = Indicator.objects.create(
        programme=Programme.objects.get(number=8),
        code="8-9",
        name="科技统计监测平台建成",
        unit="项",
        kind="milestone",
        lead_department=dept("区统计局"),
    )
    target = Target.objects.create(indicator=milestone, year=2021, value=1, unit="项")
    report = stats_report(opened, dept)
    client = client_as(stats_reporter)
    body = client.post(f"/progress/reports/{report.pk}/", {f"value_{milestone.pk}": "1"}).content.decode()
    assert "标记为“已完成”时须上传佐证材料" in body
    assert not ReportedValue.objects.filter(indicator=milestone).exists()
    body = client.post(f"/progress/reports/{report.pk}/", {f"value_{milestone.pk}": "2"}).content.decode()
    assert "里程碑只能填“已完成”或“未完成”" in body
    client.post(f"/progress/reports/{report.pk}/", {f"value_{milestone.pk}": "0"})
    assert ReportedValue.objects.get(indicator=milestone).value == 0
    form = {
        f"value_{milestone.pk}": "1",
        f"evidence_{milestone.pk}": SimpleUploadedFile("验收报告.pdf", PDF),
        **rd_figures(
            "1", "100", **judged(**{f"judgement_{target.pk}": "green", f"reason_{target.pk}": "已验收"})
        ),
        "submit": "1",
    }
    assert client.post(f"/progress/reports/{report.pk}/", form).status_code == 302
    assert progress_of(target, date(2021, 12, 1)).status == "no_data"  # not approved yet
    client_as("kjj").post(f"/progress/reports/{report.pk}/", {"review": "approve", "comment": "同意"})
    assert (
        progress_of(target, date(2021, 12, 31)).status,
        progress_of(target, date(2021, 12, 31)).detail,
    ) == (
        "green",
        "已完成",
    )
    # not done: amber before its deadline, red after it
    ReportedValue.objects.filter(indicator=milestone).update(value=0)
    assert progress_of(target, date(2021, 12, 31)).status == "amber"
    assert progress_of(target, date(2022, 1, 5)).status == "red"


def test_every_responsible_unit_of_a_task_gets_a_report(client_as, opened, dept):
    """Co-responsible units and the towns report their part of a task; the lead unit's account is the one
    that sets the task's status."""
    from kechuang.org.models import Department
    from kechuang.plans.models import Task

    units = set(opened.reports.values_list("department__name", flat=True))
    assert {"区商务委", "区规划自然资源局", "区税务局", "区司法局", "区住房城乡建委", "区委组织部"} <= units
    towns = Department.objects.filter(kind="town", path__startswith=dept().path)
    assert towns.count() == 40 and set(towns.values_list("name", flat=True)) <= units
    trade = Report.objects.get(round=opened, department=dept("区商务委"))
    hanfeng = Report.objects.get(round=opened, department=dept("汉丰街道"))
    body = client_as("hanfeng").get(f"/progress/reports/{hanfeng.pk}/").content.decode()
    assert "3.4 现代农业科技创新和科技成果应用示范" in body and "7.6 实施科普进校园" in body
    assert "配合（牵头：区科协）" in body and f'name="task_{Task.objects.get(code="7.6").pk}"' in body
    assert "本单位没有负责的目标" in body  # co-units give no judgements of targets they do not lead
    # the town reports its part; approving it leaves the task's status to the lead unit
    science = Task.objects.get(code="7.6")
    form = {f"task_{t.pk}": "in_progress" for t in Task.objects.filter(code__in=["3.4", "7.6"])}
    form[f"task_{science.pk}"] = "done"
    form[f"tasknote_{science.pk}"] = "科普进社区 12 场"
    assert (
        client_as("hanfeng").post(f"/progress/reports/{hanfeng.pk}/", {**form, "submit": "1"}).status_code
        == 302
    )
    client_as("kjj").post(f"/progress/reports/{hanfeng.pk}/", {"review": "approve"})
    science.refresh_from_db()
    assert science.status == "not_started"
    assert hanfeng.task_updates.get(task=science).narrative == "科普进社区 12 场"
    assert trade.task_updates.count() == 0 and trade.status == "draft"


def test_the_bureau_fills_its_own_report(client_as, opened, dept):
    """区科技局 leads most tasks: the demo's bureau reporter fills and submits its report, kjj reviews it."""
    from kechuang.progress.actions import report_targets, report_tasks

    report = Report.objects.get(round=opened, department=dept("区科技局"))
    client = client_as("kjjtb")
    body = client.get(f"/progress/reports/{report.pk}/").content.decode()
    assert "保存草稿" in body and "提交审核" in body
    funds = Indicator.objects.get(code="6-1")
    form = {f"value_{funds.pk}": "2126", "narrative": "全年任务推进", "submit": "1"}
    for target in report_targets(report):
        form[f"judgement_{target.pk}"], form[f"reason_{target.pk}"] = "green", "按计划推进"
    assert len(report_tasks(report)) >= 31
    assert client.post(f"/progress/reports/{report.pk}/", form).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by.username == "kjjtb"
    refused = client.post(f"/progress/reports/{report.pk}/", {"review": "approve"}).content.decode()
    assert (
        "只有科技局管理员可以审核报告" in refused and Report.objects.get(pk=report.pk).status == "submitted"
    )
    client_as("kjj").post(f"/progress/reports/{report.pk}/", {"review": "approve"})
    assert Report.objects.get(pk=report.pk).status == "approved"
    # a reporter of the bureau fills nothing but the bureau's own report
    other = Report.objects.get(round=opened, department=dept("区统计局"))
    assert client.get(f"/progress/reports/{other.pk}/").status_code == 404


def test_the_bureau_closes_a_round(client_as, opened, dept, stats_reporter):
    from django.contrib.contenttypes.models import ContentType

    from kechuang.audit.models import ChangeEntry

    assert not ReportingRound.objects.filter(period__in=["2020", "2025"], is_open=True).exists()  # demo
    assert client_as("tjj").post(f"/progress/rounds/{opened.pk}/", {"close": "1"}).status_code == 403
    page = client_as("kjj").get(f"/progress/rounds/{opened.pk}/").content.decode()
    assert "关闭本轮填报" in page
    client_as("kjj").post(f"/progress/rounds/{opened.pk}/", {"close": "1", "reason": "年报截止"})
    opened.refresh_from_db()
    assert not opened.is_open
    entry = ChangeEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReportingRound), object_id=str(opened.pk)
    ).latest("pk")
    assert entry.actor.username == "kjj" and entry.after["is_open"] is False and entry.reason == "年报截止"
    assert "关闭本轮填报" not in client_as("kjj").get(f"/progress/rounds/{opened.pk}/").content.decode()
    report = stats_report(opened, dept)
    body = (
        client_as(stats_reporter)
        .post(f"/progress/reports/{report.pk}/", rd_figures("1", "100", submit="1"))
        .content.decode()
    )
    assert "轮次已关闭" in body
    assert Report.objects.get(pk=report.pk).status == "draft"
    assert not ReportedValue.objects.filter(report=report).exists()
    with pytest.raises(ActionRefused, match="轮次已关闭"):
        save_report(stats_reporter, report, narrative="", values={}, task_updates={}, submit=True)


def test_a_returned_report_notifies_the_reporters_and_keeps_its_history(
    client_as, opened, dept, stats_reporter, django_capture_on_commit_callbacks
):
    from kechuang.workflow.engine import history as thread
    from kechuang.workflow.models import Notification

    report = stats_report(opened, dept)
    client = client_as(stats_reporter)
    client.post(f"/progress/reports/{report.pk}/", rd_figures("85050", "5670000", **judged(submit="1")))
    with django_capture_on_commit_callbacks(execute=True):  # the notice goes out once the return commits
        client_as("kjj").post(
            f"/progress/reports/{report.pk}/", {"review": "return", "comment": "请附统计年报"}
        )
    notice = Notification.objects.get(user=stats_reporter, kind="report_returned")
    assert (
        "退回" in notice.title and "请附统计年报" in notice.title and notice.url == report.get_absolute_url()
    )
    assert not Notification.objects.filter(user__username="jxw", kind="report_returned").exists()
    pk = rd_gdp().pk
    client.post(
        f"/progress/reports/{report.pk}/",
        rd_figures("85050", "5670000", **judged(**{f"evidence_{pk}": SimpleUploadedFile("年报.pdf", PDF)})),
    )
    client.post(f"/progress/reports/{report.pk}/", {"submit": "1", **judged()})
    client_as("kjj").post(f"/progress/reports/{report.pk}/", {"review": "approve", "comment": "同意"})
    body = client.get(f"/progress/reports/{report.pk}/").content.decode()
    history = body[body.index('id="review-history"') :]
    assert history.index("退回修改") < history.index("请附统计年报") < history.index("审核通过")
    assert [(e.transition, e.comment) for e in thread(report)] == [
        ("submit", ""),
        ("return", "请附统计年报"),
        ("submit", ""),
        ("approve", "同意"),
    ]


def test_periods_are_chosen_from_a_list_and_read_in_chinese(client_as):
    page = client_as("kjj").get("/progress/rounds/").content.decode()
    assert '<optgroup label="季报">' in page and '<option value="2026Q4">2026年第四季度</option>' in page
    assert (
        '<option value="2026-07">2026年7月</option>' in page
        and '<option value="2022">2022年</option>' in page
    )
    assert '<option value="2021">' not in page  # the demo already has a 2021 round
    response = client_as("kjj").post(
        "/progress/rounds/", {"period": "2026年第四季度", "frequency": "quarterly", "due_on": "2027-01-15"}
    )
    assert response.status_code == 302
    assert ReportingRound.objects.get(period="2026Q4").period_end == date(2026, 12, 31)
    body = (
        client_as("kjj")
        .post("/progress/rounds/", {"period": "2027", "frequency": "quarterly", "due_on": "2028-01-15"})
        .content.decode()
    )
    assert (
        "期间“2027年”与频次“季报”不符" in body and not ReportingRound.objects.filter(period="2027").exists()
    )
    # no frequency chosen: the period's own
    response = client_as("kjj").post("/progress/rounds/", {"period": "2027-03", "due_on": "2027-04-10"})
    assert response.status_code == 302
    assert ReportingRound.objects.get(period="2027-03").frequency == "monthly"


def test_reports_move_through_the_one_workflow(client_as, opened, dept, stats_reporter, user):
    """Two reviewers on one submitted report: one wins; an approval is undone only by an audited reopen;
    the reporter's and the reviewer's 我的待办 follow the report."""
    from kechuang.audit.models import ChangeEntry
    from kechuang.org.actions import ActionRefused
    from kechuang.progress import actions
    from kechuang.workflow import engine

    report = stats_report(opened, dept)
    home = client_as(stats_reporter).get("/").content.decode()
    assert "待填报的报告" in home and str(report) in home
    client_as(stats_reporter).post(
        f"/progress/reports/{report.pk}/", rd_figures("85050", "5670000", **judged(submit="1"))
    )
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert "待审核的报告" in client_as("kjj").get("/").content.decode()
    first, second = Report.objects.get(pk=report.pk), Report.objects.get(pk=report.pk)
    actions.review_report(user("kjj"), first, approve=True, comment="同意")
    with pytest.raises(ActionRefused):
        actions.review_report(user("kjj"), second, approve=False, comment="再看看")
    with pytest.raises(ActionRefused, match="已被他人处理"):
        engine.perform(second, "return", user("kjj"), comment="再看看")
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED and not report.editable
    assert [t.name for t in engine.available(report, user("kjj"))] == ["reopen"]
    assert engine.available(report, stats_reporter) == []
    engine.perform(report, "reopen", user("kjj"), comment="数据口径有误，重新填报")
    report.refresh_from_db()
    assert report.status == Report.Status.RETURNED and report.editable
    entry = ChangeEntry.objects.filter(content_type__model="report", object_id=str(report.pk)).latest("pk")
    assert entry.reason == "数据口径有误，重新填报" and entry.before["status"] == "approved"
    assert "被退回的报告" in client_as(stats_reporter).get("/").content.decode()
