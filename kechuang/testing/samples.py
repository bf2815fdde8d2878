"""The site's named URLs, found by walking the URL configuration, and the demo records tests fill them with.

`named_urls()` maps every named URL pattern ("plans:task_edit", "api:get_plan", …) to its pattern; the
lookups below return the demo objects the page tests open (the fullest or most telling record of each
kind), so every test that visits a page by name agrees on which record it shows.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from kechuang.org.loading import find_department
from kechuang.org.models import User
from kechuang.plans.models import Plan, Task
from kechuang.projects.models import Project

KAIZHOU = ["重庆市", "开州区"]
PLAN_DOC_NUMBER = "开州府办发〔2021〕63号"


def named_urls() -> dict[str, tuple[str, URLPattern]]:
    """Qualified URL name → (its route from the site root, e.g. "plans/tasks/<int:pk>/", the pattern)."""
    found: dict[str, tuple[str, URLPattern]] = {}

    def walk(patterns, namespace, route):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = (
                    ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                )
                walk(pattern.url_patterns, inner, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.setdefault(name, (route + str(pattern.pattern), pattern))

    walk(get_resolver().url_patterns, "", "")
    return found


def plan() -> Plan:
    return Plan.objects.get(doc_number=PLAN_DOC_NUMBER)


def task() -> Task:
    return Task.objects.get(code="1.1", programme__number=1)  # 完成时限 2025-12-31


def department(name: str):
    """A department of the Kaizhou tree by its name (区经济信息委, 汉丰街道, …)."""
    return find_department([*KAIZHOU, name])


def qiye_enterprise():
    """The enterprise the demo enterprise account speaks for (in 汉丰街道)."""
    return User.objects.get(username="qiye").enterprises.get()


def enterprise_year():
    enterprise = qiye_enterprise()
    return enterprise.years.filter(superseded_at__isnull=True).order_by("-year").first()


def project() -> Project:
    # the fullest demo record: approved and finished, with funding
    return Project.objects.exclude(completed_on=None).exclude(funding=0).order_by("pk").first()


def expert():
    # the fullest expert: the demo account's, with a declared conflict and the account linked
    from kechuang.reviews.models import Expert

    return Expert.objects.exclude(user=None).order_by("pk").first()


def review_round():
    # the open round: criteria fixed, experts assigned, sheets coming in
    from kechuang.reviews.models import ReviewRound, RoundStatus

    return ReviewRound.objects.filter(status=RoundStatus.OPEN).order_by("pk").first()


def call():
    # the open call: published, within its dates whatever the day the demo was loaded (enterprises apply)
    from kechuang.projects.models import Call, CallStatus

    return Call.objects.filter(status=CallStatus.OPEN).order_by("-year", "pk").first()


def draft_call():
    # a call still being prepared: the bureau's alone
    from kechuang.projects.models import Call, CallStatus

    return Call.objects.filter(status=CallStatus.DRAFT).order_by("-year", "pk").first()
