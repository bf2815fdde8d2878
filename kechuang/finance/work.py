"""The loans and seed investments carrying out a plan's tasks (8.4 “用好种子基金，推进知识价值信用贷款增量扩面”),
for the plan's pages (`plans.work`): what the user may read, one query for each, for all the tasks at once."""

from __future__ import annotations

from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.plans.work import WorkItem, register_work

from .models import Loan, LoanStatus, SeedInvestment

LOAN_TONES = {
    LoanStatus.ACTIVE: "active",
    LoanStatus.SETTLED: "done",
    LoanStatus.OVERDUE: "late",
    LoanStatus.COMPENSATED: "stopped",
}


def loan_work(task_ids: list[int], user) -> dict[int, list[WorkItem]]:
    found: dict[int, list[WorkItem]] = {}
    if not has_capability(user, Capability.VIEW_FINANCE):
        return found
    links = (
        Loan.tasks.through.objects.filter(
            task_id__in=task_ids, loan__in=visible_to(user, Loan.objects.all()).values("pk")
        )
        .select_related("loan", "loan__enterprise")
        .order_by("-loan__granted_on", "loan__pk")
    )
    for link in links:
        loan = link.loan
        found.setdefault(link.task_id, []).append(
            WorkItem(
                kind="知识价值信用贷款",
                short_kind="信用贷",
                title=f"{loan.enterprise.name} {loan.amount / 10000:,.0f}万元",
                number=loan.contract_number,
                state=loan.get_status_display(),
                url=loan.get_absolute_url(),
                tone=LOAN_TONES.get(loan.status, "active"),
            )
        )
    return found


def seed_work(task_ids: list[int], user) -> dict[int, list[WorkItem]]:
    found: dict[int, list[WorkItem]] = {}
    if not has_capability(user, Capability.VIEW_FINANCE):
        return found
    links = (
        SeedInvestment.tasks.through.objects.filter(
            task_id__in=task_ids,
            seedinvestment__in=visible_to(user, SeedInvestment.objects.all()).values("pk"),
        )
        .select_related("seedinvestment", "seedinvestment__enterprise")
        .order_by("-seedinvestment__invested_on", "seedinvestment__pk")
    )
    for link in links:
        investment = link.seedinvestment
        found.setdefault(link.task_id, []).append(
            WorkItem(
                kind="种子基金投资",
                short_kind="种子基金",
                title=investment.investee,
                number=investment.decision_number,
                state="已退出" if investment.exited else "投资中",
                url=investment.get_absolute_url(),
                tone="done" if investment.exited else "active",
            )
        )
    return found


def register() -> None:
    register_work(loan_work)
    register_work(seed_work)
