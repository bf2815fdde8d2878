"""The demo's projects after 立项: the latest decided batch's funded projects carried on — 任务书 filled by the
unit and signed, the reports that have fallen due submitted and judged, milestones checked, tranches paid —
and brought to their ends: one accepted and paid in full, one whose acceptance failed (终止), the others
running. Through the same actions as the pages, dated as the projects' own history."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.models import User
from kechuang.workflow import engine as workflow

from . import acceptance, contracts, payments
from .models import (
    AcceptanceStatus,
    ApprovalBatch,
    BatchStatus,
    Category,
    InterimReport,
    MilestoneStatus,
    Project,
    Status,
    TaskBook,
    Tranche,
)

ACCEPTED = 2  # the district's projects longest running: one accepted, one failed
ACCEPTED_CATEGORIES = (Category.DISTRICT, Category.KEY_TECHNOLOGY, Category.TRANSFER)
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INDICATORS = [
    ("申请发明专利", "件", Decimal("2")),
    ("新产品销售收入", "万元", Decimal("300")),
    ("培养技术骨干", "人", Decimal("5")),
]


def _unit(project: Project, kjj):
    return (
        project.enterprise.users.first()
        if project.enterprise_id and project.enterprise.users.exists()
        else kjj
    )


def _part(amount: Decimal, share: str) -> Decimal:
    return (amount * Decimal(share)).quantize(Decimal("1"), rounding=ROUND_DOWN)


def _carry(project: Project, kjj, today) -> TaskBook | None:
    """The 任务书 filled and signed three weeks after 立项, the due reports judged, milestone 1 checked."""
    who = _unit(project, kjj)
    book = contracts.open_task_book(project)
    if book.status != "编制中":
        return None
    span = (book.ends_on - book.starts_on).days
    funded = project.funding
    contracts.save_milestones(
        who,
        book,
        [
            {
                "title": "关键技术方案与样品试制",
                "due_on": book.starts_on + timedelta(days=span // 3),
                "deliverable": "技术方案、样品检测报告",
                "district_payment": _part(funded, "0.3"),
            },
            {
                "title": "中试与工艺定型",
                "due_on": book.starts_on + timedelta(days=2 * span // 3),
                "deliverable": "中试报告、工艺文件",
            },
            {"title": "产业化应用", "due_on": book.ends_on, "deliverable": "用户使用报告、销售合同"},
        ],
    )
    contracts.save_indicators(who, book, [{"name": n, "unit": u, "promised": v} for n, u, v in INDICATORS])
    contracts.submit(who, TaskBook.objects.get(pk=book.pk))
    book = contracts.sign(
        kjj, TaskBook.objects.get(pk=book.pk), signed_on=min(book.starts_on + timedelta(days=21), today)
    )
    payments.pay(
        kjj,
        payments.arrange(
            kjj, project, tranche=Tranche.APPROVAL, amount=_part(funded, "0.4"), note="任务书签订后首拨"
        ),
        paid_on=book.signed_on + timedelta(days=10),
        voucher=f"KZCZ-{book.signed_on.year}-{project.pk:05d}-1",
    )
    for report in InterimReport.objects.filter(project=project, due_on__lt=today - timedelta(days=20)):
        report.progress = (
            "按任务书推进，完成阶段研究内容。"  # the check before 报送 reads the report as filled
        )
        workflow.perform(
            report,
            "submit",
            who,
            changes={
                "progress": "按任务书推进，完成阶段研究内容。",
                "spent": _part(funded, "0.2"),
                "submitted_on": report.due_on - timedelta(days=3),
            },
        )
        workflow.perform(InterimReport.objects.get(pk=report.pk), "normal", kjj)
    first = book.milestones.get(sequence=1)
    if first.due_on < today:
        contracts.check_milestone(
            kjj, first, MilestoneStatus.PASSED, comment="样品检测合格", checked_on=first.due_on
        )
        waiting = project.payments.get(tranche=Tranche.MILESTONE)
        payments.pay(
            kjj,
            waiting,
            paid_on=first.due_on + timedelta(days=15),
            voucher=f"KZCZ-{first.due_on.year}-{project.pk:05d}-2",
        )
    return book


def _accept(project: Project, kjj, *, passed: bool, today) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    who = _unit(project, kjj)
    acc = acceptance.start(who, project)
    book = project.task_book
    achieved = {}
    for indicator in book.indicators.all():
        achieved[indicator.pk] = (
            indicator.promised + 1 if passed else (indicator.promised / 2).quantize(Decimal("1"))
        )
    acceptance.save(
        who,
        acc,
        summary="完成任务书规定的研究内容，形成样品并实现小批量生产。"
        if passed
        else "部分研究内容未完成，产业化未达预期。",
        spent=_part(project.funding, "0.9"),
        achieved=achieved,
    )
    acceptance.add_evidence(
        who, acc, upload=SimpleUploadedFile("结题验收报告.pdf", EVIDENCE, "application/pdf")
    )
    acceptance.apply(who, type(acc).objects.get(pk=acc.pk))
    acc = type(acc).objects.get(pk=acc.pk)
    if passed:
        acceptance.decide(
            kjj, acc, AcceptanceStatus.PASSED, comment="专家组一致同意通过验收", decided_on=today
        )
        left = payments.totals(Project.objects.get(pk=project.pk)).left
        if left:
            payments.pay(
                kjj,
                payments.arrange(
                    kjj, project, tranche=Tranche.ACCEPTANCE, amount=left, note="验收通过后拨付余款"
                ),
                paid_on=today,
                voucher=f"KZCZ-{today.year}-{project.pk:05d}-3",
            )
    else:
        acceptance.decide(
            kjj,
            acc,
            AcceptanceStatus.FAILED,
            comment="新产品销售收入等指标未达到任务书要求",
            decided_on=today,
        )


def load_demo_lifecycle() -> int:
    """The decided batch's funded projects carried on (none when there is no decided batch)."""
    kjj = User.objects.filter(username="kjj").first()
    batch = ApprovalBatch.objects.filter(status=BatchStatus.DECIDED).order_by("-decided_on", "pk").first()
    if kjj is None or batch is None:
        return 0
    today = timezone.localdate()
    running = Project.objects.filter(
        status=Status.ONGOING, task_book__isnull=True, funding__gt=0
    ).select_related("enterprise")
    # the batch's projects, and the district's longest running (to be accepted)
    projects = list(running.filter(batch_lines__batch=batch).order_by("pk"))
    ending = list(
        running.filter(category__in=ACCEPTED_CATEGORIES, approved_on__lt=today - timedelta(days=300))
        .exclude(pk__in=[p.pk for p in projects])
        .order_by("approved_on", "pk")[:ACCEPTED]
    )
    carried = []
    with audit_context(actor=kjj, reason="演示数据：任务书、中期检查、验收与拨付"), transaction.atomic():
        for project in projects + ending:
            if _carry(project, kjj, today) is not None:
                carried.append(project)
        # the longest running first; the batch's after them when the district has too few
        done = [p for p in carried if p in ending] + [p for p in carried if p not in ending]
        for project, passed in zip(done, (True, False), strict=False):
            _accept(Project.objects.get(pk=project.pk), kjj, passed=passed, today=today)
    return len(carried)
