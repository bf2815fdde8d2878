"""Demo 中期检查: three of the demo's projects already 在研 get a signed 任务书 (opened, filled in and signed
through the same actions as the pages) and their reports — the earlier ones submitted and judged 正常, and
then: one project with its latest report late (逾期) and one submitted waiting for the bureau, one with
reports very late (严重逾期), one whose report was sent back for 整改 with its 整改报告 due soon. Laid out
from the day the demo is loaded. Idempotent: a project with a 任务书 is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kechuang.org.models import User

from . import contracts, interim
from .models import InterimReport, Project, ReportStatus, Status, TaskBook

PROGRESS = "按任务书推进：完成关键工艺试验与样机试制，阶段目标基本达成。"
PROBLEMS = "部分进口原材料到货延迟；下一步开展中试验证并申请发明专利。"


def _task_book(kjj, project: Project, every: int) -> TaskBook:
    task_book = contracts.open_task_book(project)
    contracts.save_task_book(kjj, task_book, report_every_months=every, reason="演示数据")
    contracts.save_milestones(
        kjj,
        task_book,
        [
            {
                "title": "关键技术验证",
                "due_on": task_book.starts_on + (task_book.ends_on - task_book.starts_on) / 2,
                "deliverable": "验证报告 1 份",
            },
            {"title": "成果验收", "due_on": task_book.ends_on, "deliverable": "样机及检测报告"},
        ],
    )
    contracts.save_indicators(
        kjj,
        task_book,
        [
            {"name": "申请发明专利", "unit": "件", "promised": Decimal("2")},
            {"name": "新增销售收入", "unit": "万元", "promised": Decimal("300")},
        ],
    )
    contracts.submit(kjj, task_book)
    signed_on = min(project.approved_on + timedelta(days=20), timezone.localdate())
    return contracts.sign(kjj, TaskBook.objects.get(pk=task_book.pk), signed_on=signed_on)


def _file(kjj, report: InterimReport, share: Decimal) -> InterimReport:
    funded = report.project.funding or Decimal("0")
    interim.save_report(
        kjj, report, progress=PROGRESS, problems=PROBLEMS, spent=(funded * share).quantize(Decimal("1"))
    )
    return interim.submit(kjj, InterimReport.objects.get(pk=report.pk))


def _passed(project: Project) -> list[InterimReport]:
    """The project's reports whose due date has passed, oldest first."""
    today = timezone.localdate()
    return list(InterimReport.objects.filter(project=project, due_on__lt=today).order_by("sequence"))


def _judge_all_but(kjj, reports, left: int) -> list[InterimReport]:
    """File and judge 正常 every report but the last `left`; return those left."""
    done = reports[: len(reports) - left] if left else reports
    for n, report in enumerate(done, 1):
        filed = _file(kjj, report, Decimal(n) / Decimal(len(reports) + 2))
        interim.judge(kjj, filed, ReportStatus.NORMAL, comment="进展符合任务书要求。")
    return reports[len(done) :]


CYCLES = (6, 3, 4, 2, 12, 1)  # months; the usual first


def _late_cycle(project: Project) -> int | None:
    """A report cycle (months) whose latest passed due date is 1 to VERY_LATE_DAYS days ago."""
    today = timezone.localdate()
    for every in CYCLES:
        due = [
            p.due_on
            for p in interim.periods(project.approved_on, project.planned_end_on, every)
            if p.due_on < today
        ]
        if len(due) >= 2 and 1 <= (today - due[-1]).days <= interim.VERY_LATE_DAYS:
            return every
    return None


@transaction.atomic
def load_demo_interim(plan=None) -> int:
    """Create the demo 任务书 and reports; return how many projects got them."""
    kjj = User.objects.filter(username="kjj").first()
    if kjj is None:
        return 0
    today = timezone.localdate()
    candidates = list(
        Project.objects.filter(
            status=Status.ONGOING,
            enterprise__isnull=False,
            approved_on__lte=today - timedelta(days=400),
            planned_end_on__gt=today + timedelta(days=60),
            funding__gt=0,
            task_book__isnull=True,
        )
        .select_related("enterprise")
        .order_by("approved_on", "number")
    )
    if len(candidates) < 3 or InterimReport.objects.filter(problems=PROBLEMS).exists():
        return 0
    # 逾期: the latest report not filed (and the one before it submitted, waiting for the bureau) — of the
    # project and cycle that make it late on the day the demo is loaded
    cycles = {project.pk: _late_cycle(project) for project in candidates}
    late = next((p for c in CYCLES for p in candidates if cycles[p.pk] == c), candidates[0])
    very_late, rectified = [p for p in candidates if p.pk != late.pk][:2]
    every = cycles[late.pk] or 6
    _task_book(kjj, late, every)
    waiting = _judge_all_but(kjj, _passed(late), 2)
    if len(waiting) == 2:
        _file(kjj, waiting[0], Decimal("0.4"))
    # 严重逾期: the last two reports not filed (the older one months late)
    _task_book(kjj, very_late, 6)
    _judge_all_but(kjj, _passed(very_late), 2)
    # 整改: the latest report judged 整改; its 整改报告 due in ten days
    _task_book(kjj, rectified, 6)
    last = _judge_all_but(kjj, _passed(rectified), 1)
    if last:
        filed = _file(kjj, last[0], Decimal("0.3"))
        interim.judge(
            kjj,
            filed,
            ReportStatus.RECTIFY,
            comment="资金使用进度偏慢，中试方案不够具体，请补充中试计划与资金使用说明。",
            rectify_by=today + timedelta(days=10),
        )
    return 3
