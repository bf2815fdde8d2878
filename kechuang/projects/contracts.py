"""任务书 / 合同: what an approved project promises, and the milestones checked on the way.

立项 opens a draft 任务书 (`open_task_book`, a hook of the project's 立项 transition): the period from the
approval to the planned end, the application's budget lines brought to the amount funded. The project's
unit fills in the milestones, the budget and the indicators it promises, and submits it; the bureau signs
it — the project starts (在研) and its 中期检查 reports are laid out (`interim.schedule`) — or returns it.
Every check before submission and signature is `problems`; each names what is wrong.

A milestone is checked by the bureau (里程碑考核): 通过 — and the money the 任务书 ties to it is arranged for
payment —, 调整 with a new date, or 终止, which stops the project."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.workflow import engine as workflow

from . import interim
from .applications import budget_rows
from .models import (
    BudgetItem,
    ContractBudgetLine,
    Milestone,
    MilestoneStatus,
    Payer,
    Project,
    PromisedIndicator,
    Status,
    TaskBook,
    TaskBookStatus,
    Tranche,
)

CENT = Decimal("0.01")


def _money(value) -> str:
    return f"{value:,.2f}"


# --- opening the 任务书 at 立项 ------------------------------------------------------------------------


def open_task_book(project: Project, event=None) -> TaskBook:
    """The draft 任务书 of a project just approved (once: an existing one is kept)."""
    existing = TaskBook.objects.filter(project=project).first()
    if existing is not None:
        return existing
    starts_on = project.approved_on
    ends_on = (
        project.planned_end_on if project.planned_end_on and project.planned_end_on > starts_on else None
    )
    if ends_on is None:
        ends_on = date(starts_on.year + 2, starts_on.month, min(starts_on.day, 28)) - timedelta(days=1)
    task_book = TaskBook.objects.create(
        project=project,
        number=f"RWS-{project.number}",
        starts_on=starts_on,
        ends_on=ends_on,
        goals=project.summary,
    )
    lines = list(project.budget_lines.all())
    requested = sum((line.funding for line in lines), Decimal("0"))
    funded = project.funding or Decimal("0")
    # the application's lines, their granted part scaled to the amount funded (the last takes the cents)
    scaled = []
    left = funded
    granted = [line for line in lines if line.funding]
    for line in lines:
        if requested and line.funding:
            if line is granted[-1]:
                share = left
            else:
                share = (line.funding * funded / requested).quantize(CENT, rounding=ROUND_DOWN)
                left -= share
        else:
            share = Decimal("0")
        scaled.append(
            ContractBudgetLine(
                task_book=task_book,
                item=line.item,
                funding=share,
                self_funding=line.self_funding,
                note=line.note,
            )
        )
    if not lines and funded:
        scaled.append(ContractBudgetLine(task_book=task_book, item=BudgetItem.EQUIPMENT, funding=funded))
    ContractBudgetLine.objects.bulk_create(scaled)
    return task_book


# --- the checks ------------------------------------------------------------------------------------


def problems(task_book: TaskBook) -> list[str]:
    """What keeps the 任务书 from being submitted or signed, each named."""
    found = []
    project = task_book.project
    milestones = list(task_book.milestones.all())
    if not milestones:
        found.append("请至少填写一个里程碑。")
    for m in milestones:
        if not task_book.starts_on <= m.due_on <= task_book.ends_on:
            found.append(
                f"里程碑{m.sequence}“{m.title}”的完成日期 {m.due_on:%Y-%m-%d} 不在实施期"
                f"（{task_book.starts_on:%Y-%m-%d} 至 {task_book.ends_on:%Y-%m-%d}）内。"
            )
    if not task_book.indicators.exists():
        found.append("请至少填写一项考核指标。")
    granted = sum((line.funding for line in task_book.budget_lines.all()), Decimal("0"))
    funded = project.funding or Decimal("0")
    if granted != funded:
        found.append(f"预算中的财政资助合计 {_money(granted)} 元，与立项资助金额 {_money(funded)} 元不一致。")
    district = sum((m.district_payment for m in milestones), Decimal("0"))
    if district > funded:
        found.append(f"里程碑拨付合计 {_money(district)} 元，超过立项资助金额 {_money(funded)} 元。")
    owner = sum((m.owner_payment for m in milestones), Decimal("0"))
    if owner > task_book.owner_funding:
        found.append(
            f"里程碑需求方支付合计 {_money(owner)} 元，超过需求方出资 {_money(task_book.owner_funding)} 元。"
        )
    return found


def may_submit(task_book: TaskBook, user) -> str | None:
    found = problems(task_book)
    return " ".join(found) if found else None


def may_sign(task_book: TaskBook, user) -> str | None:
    if task_book.project.status not in (Status.APPROVED, Status.ONGOING):
        return f"项目当前状态为“{task_book.project.status}”，不能签订任务书。"
    return may_submit(task_book, user)


def may_check_milestone(milestone: Milestone, user) -> str | None:
    task_book = milestone.task_book
    if task_book.status != TaskBookStatus.SIGNED:
        return "任务书尚未签订，里程碑不能考核。"
    if task_book.project.status != Status.ONGOING:
        return f"项目当前状态为“{task_book.project.status}”，里程碑不能考核。"
    return None


# --- the unit's changes while it is drafted ---------------------------------------------------------------


def _drafting(acting_user, task_book: TaskBook) -> None:
    project = task_book.project
    if not (
        may_act_on(acting_user, project, Capability.APPLY_PROJECTS)
        or may_act_on(acting_user, project, Capability.CHANGE_PROJECTS)
    ):
        raise ActionRefused("您没有修改该任务书的权限。")
    if task_book.status != TaskBookStatus.DRAFT:
        raise ActionRefused(f"任务书的状态为“{task_book.status}”，不能修改（编制中的任务书才能修改）。")


def _still_draft(task_book: TaskBook) -> None:
    status = (
        TaskBook.objects.select_for_update().filter(pk=task_book.pk).values_list("status", flat=True).first()
    )
    if status != TaskBookStatus.DRAFT:
        raise ActionRefused(f"任务书的状态已变为“{status or '已删除'}”，不能再修改，请刷新页面。")


TASK_BOOK_FIELDS = ("number", "starts_on", "ends_on", "goals", "report_every_months", "owner_funding")


def save_task_book(acting_user, task_book: TaskBook, *, reason: str = "", **fields) -> TaskBook:
    _drafting(acting_user, task_book)
    unknown = set(fields) - set(TASK_BOOK_FIELDS)
    if unknown:
        raise ActionRefused(f"不能在此修改：{'、'.join(sorted(unknown))}。")
    if isinstance(fields.get("goals"), str):
        fields["goals"] = fields["goals"].replace("\r\n", "\n").replace("\r", "\n")
    for name, value in fields.items():
        setattr(task_book, name, value)
    task_book.full_clean(exclude=["project"])
    with audit_context(actor=acting_user, reason=reason or "修改任务书"), transaction.atomic():
        _still_draft(task_book)
        task_book.save()
    return task_book


def _replace(task_book, model, related, rows, key):
    stored = {key(obj): obj for obj in getattr(task_book, related).all()}
    kept = []
    for row in rows:
        obj = stored.pop(key(row), None)
        if obj is None:
            row.save()
            kept.append(row)
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "task_book_id")]
        if any(getattr(obj, f) != getattr(row, f) for f in fields):
            for f in fields:
                setattr(obj, f, getattr(row, f))
            obj.save()
        kept.append(obj)
    for obj in stored.values():
        obj.delete()
    return kept


def _row_errors(number: int, exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"第 {number} 行：{m}" for messages in exc.message_dict.values() for m in messages]
    return [f"第 {number} 行：{m}" for m in exc.messages]


def save_milestones(acting_user, task_book: TaskBook, rows: list[dict]) -> list[Milestone]:
    """Replace the milestones (rows of title, due_on, deliverable, district_payment, owner_payment, in
    order; blank rows left out). All or nothing; each error names its row."""
    _drafting(acting_user, task_book)
    errors, built = [], []
    for number, row in enumerate(rows, 1):
        if not any(str(v or "").strip() for v in row.values()):
            continue
        m = Milestone(
            task_book=task_book,
            sequence=len(built) + 1,
            title=str(row.get("title") or "").strip(),
            due_on=row.get("due_on"),
            deliverable=str(row.get("deliverable") or "").strip(),
            district_payment=row.get("district_payment") or Decimal("0"),
            owner_payment=row.get("owner_payment") or Decimal("0"),
        )
        try:
            m.full_clean(exclude=["task_book"], validate_unique=False, validate_constraints=False)
            if m.district_payment < 0 or m.owner_payment < 0:
                raise ValidationError("金额不能为负数。")
        except ValidationError as exc:
            errors.extend(_row_errors(number, exc))
            continue
        built.append(m)
    if errors:
        raise ValidationError(errors)
    with audit_context(actor=acting_user, reason="修改里程碑"), transaction.atomic():
        _still_draft(task_book)
        return _replace(task_book, Milestone, "milestones", built, key=lambda m: m.sequence)


def save_contract_budget(acting_user, task_book: TaskBook, lines: dict) -> list[ContractBudgetLine]:
    """Replace the 任务书's budget: `lines` maps a budget item to (funding, self funding, note)."""
    _drafting(acting_user, task_book)
    built = budget_rows(lines, lambda **f: ContractBudgetLine(task_book=task_book, **f), "task_book")
    with audit_context(actor=acting_user, reason="修改任务书预算"), transaction.atomic():
        _still_draft(task_book)
        return _replace(task_book, ContractBudgetLine, "budget_lines", built, key=lambda line: line.item)


def save_indicators(acting_user, task_book: TaskBook, rows: list[dict]) -> list[PromisedIndicator]:
    """Replace the promised indicators (rows of name, unit, promised; blank rows left out)."""
    _drafting(acting_user, task_book)
    errors, built, names = [], [], set()
    for number, row in enumerate(rows, 1):
        if not any(str(v or "").strip() for v in row.values()):
            continue
        indicator = PromisedIndicator(
            task_book=task_book,
            name=str(row.get("name") or "").strip(),
            unit=str(row.get("unit") or "").strip(),
            promised=row.get("promised"),
        )
        try:
            indicator.full_clean(
                exclude=["task_book", "achieved"], validate_unique=False, validate_constraints=False
            )
            if indicator.promised < 0:
                raise ValidationError("承诺值不能为负数。")
            if indicator.name in names:
                raise ValidationError(f"考核指标“{indicator.name}”重复。")
        except ValidationError as exc:
            errors.extend(_row_errors(number, exc))
            continue
        names.add(indicator.name)
        built.append(indicator)
    if errors:
        raise ValidationError(errors)
    with audit_context(actor=acting_user, reason="修改考核指标"), transaction.atomic():
        _still_draft(task_book)
        return _replace(task_book, PromisedIndicator, "indicators", built, key=lambda i: i.name)


# --- the steps ---------------------------------------------------------------------------------------------


def submit(acting_user, task_book: TaskBook) -> TaskBook:
    return workflow.perform(task_book, "submit", acting_user)


def sign(acting_user, task_book: TaskBook, *, signed_on: date | None = None, comment: str = "") -> TaskBook:
    """签订: the 任务书 binds, the project starts (在研, its planned end the 任务书's) and its reports are
    laid out — in one transaction."""
    signed_on = signed_on or timezone.localdate()
    if signed_on < task_book.project.approved_on:
        raise ValidationError({"signed_on": "签订日期不能早于立项日期。"})
    with transaction.atomic():
        task_book = workflow.perform(
            task_book, "sign", acting_user, comment=comment, changes={"signed_on": signed_on}
        )
        project = Project.objects.get(pk=task_book.project_id)
        if project.status == Status.APPROVED:
            workflow.perform(
                project,
                "start",
                acting_user,
                comment="任务书签订",
                changes={"planned_end_on": task_book.ends_on},
            )
        elif project.planned_end_on != task_book.ends_on:
            with audit_context(actor=acting_user, reason="任务书变更：计划结题日期"):
                project.planned_end_on = task_book.ends_on
                project.save(update_fields=["planned_end_on"])
        interim.schedule(task_book)
    return task_book


def check_milestone(
    acting_user,
    milestone: Milestone,
    verdict: str,
    *,
    comment: str = "",
    checked_on: date | None = None,
    new_due_on: date | None = None,
) -> Milestone:
    """里程碑考核: 通过 (its tied payments arranged), 调整 (a new date) or 终止 (the project stops)."""
    names = {
        MilestoneStatus.PASSED: "pass",
        MilestoneStatus.ADJUST: "adjust",
        MilestoneStatus.TERMINATED: "terminate",
    }
    if verdict not in names:
        raise ValidationError({"verdict": "请选择考核结果：通过、调整或终止。"})
    checked_on = checked_on or timezone.localdate()
    changes = {"checked_on": checked_on}
    if verdict == MilestoneStatus.ADJUST:
        if new_due_on is None:
            raise ValidationError({"new_due_on": "考核调整须填写调整后的完成日期。"})
        if not milestone.task_book.starts_on <= new_due_on <= milestone.task_book.ends_on:
            raise ValidationError({"new_due_on": "调整后的完成日期应在任务书的实施期内。"})
        changes["due_on"] = new_due_on
    from . import payments

    with transaction.atomic():
        milestone = workflow.perform(milestone, names[verdict], acting_user, comment=comment, changes=changes)
        project = Project.objects.get(pk=milestone.task_book.project_id)
        if verdict == MilestoneStatus.PASSED:
            for payer, amount in (
                (Payer.DISTRICT, milestone.district_payment),
                (Payer.OWNER, milestone.owner_payment),
            ):
                if amount:
                    payments.arrange(
                        acting_user,
                        project,
                        tranche=Tranche.MILESTONE,
                        amount=amount,
                        payer=payer,
                        milestone=milestone,
                        note=f"里程碑{milestone.sequence}考核通过",
                    )
        elif verdict == MilestoneStatus.TERMINATED:
            workflow.perform(
                project, "terminate", acting_user, comment=f"里程碑{milestone.sequence}考核终止：{comment}"
            )
    return milestone
