"""What the projects app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from django.core.files.base import ContentFile

from kechuang.projects.models import (
    Acceptance,
    ApprovalBatch,
    Attachment,
    BatchStatus,
    Objection,
    Payment,
    Project,
    Status,
    TaskBook,
    TaskBookStatus,
)
from kechuang.testing import samples
from kechuang.testing.permissions import (
    ADMINS_403,
    ANONYMOUS,
    PDF,
    REGISTRY_LIST_API,
    REGISTRY_VIEWERS,
    every,
    only,
    page,
    post_only,
)

PROJECT_SEERS = ("kjj", "leader")  # the sample project sits in a town none of the others covers

PROJECT_RECORD_API = {
    "GET": {**only(*PROJECT_SEERS, others=404, expert=403, fuwu=403, **ADMINS_403), ANONYMOUS: 401},
    "PATCH": {**every(422), ANONYMOUS: 401},
}


def _applied_project():
    return Project.objects.filter(status=Status.APPLIED).order_by("pk").first()


# 申报指南: a published call is read by everyone who sees projects (enterprises apply to it); a draft only
# by the bureau that keeps it — to the others it answers as missing
CALL_READERS = REGISTRY_VIEWERS
DRAFT_CALL = only("kjj", others=404, expert=403, fuwu=403, **ADMINS_403)
CALL_RECORD_API = {"GET": {**only(*CALL_READERS), ANONYMOUS: 401}, "PATCH": {**every(422), ANONYMOUS: 401}}
DRAFT_CALL_API = {"GET": {**DRAFT_CALL, ANONYMOUS: 401}, "PATCH": {**every(422), ANONYMOUS: 401}}


def _application():
    """The demo enterprise's own draft application (its applicant's page)."""
    own = samples.qiye_enterprise()
    return (
        Project.objects.filter(enterprise=own, status=Status.DRAFT, call__isnull=False).order_by("pk").first()
    )


def _attachment():
    """An attachment of the demo enterprise's application (in 汉丰街道), its file present: the matrix
    runs on a media folder of its own."""
    found = Attachment.objects.filter(project__enterprise=samples.qiye_enterprise()).order_by("pk").first()
    storage = found.file.storage
    if not storage.exists(found.file.name):
        storage.save(found.file.name, ContentFile(PDF))
    return found


# who sees a project of the demo enterprise: itself, the bureau, the leader and its town's reporter
APPLICANT_PROJECT_SEERS = ("qiye", "kjj", "leader", "hanfeng")


def _batch(status=BatchStatus.PUBLICITY):
    # the demo's batches: the open call's list in 公示 (with an open objection), last call's decided
    return ApprovalBatch.objects.filter(status=status).order_by("pk").first()


def _line():
    return _batch().lines.order_by("pk").first()


def _objection():
    return Objection.objects.filter(batch=_batch()).order_by("pk").first()


# 立项批次 sit with the call's unit (the bureau): who sees its projects reads them; only the bureau acts
BATCH_SEERS = only("kjj", "leader", others=404, expert=403, fuwu=403, **ADMINS_403)
BATCH_RECORD_API = {"GET": {**BATCH_SEERS, ANONYMOUS: 401}}
PUBLIC = {"GET": {**every(200), ANONYMOUS: 200}, "POST": {**every(405), ANONYMOUS: 405}}


# after 立项: a signed 任务书 of a running project of an enterprise without accounts, outside the towns the
# demo's reporters cover — the bureau and the leader see it; the bureau acts
def _running():
    return (
        Project.objects.filter(status=Status.ONGOING, task_book__status=TaskBookStatus.SIGNED)
        .exclude(department__name="汉丰街道")
        .exclude(enterprise__users__isnull=False)
        .order_by("pk")
        .first()
    )


# --- 中期检查 ----------------------------------------------------------------------------------------------


def _interim_report():
    """A demo report of a project outside 汉丰街道 (not the demo enterprise's): the bureau's and the leader's."""
    from kechuang.projects.models import InterimReport

    return (
        InterimReport.objects.exclude(project__department=samples.department("汉丰街道"))
        .exclude(project__enterprise=samples.qiye_enterprise())
        .order_by("pk")
        .first()
    )


def _book():
    return TaskBook.objects.get(project=_running())


def _acceptance():
    return (
        Acceptance.objects.exclude(project__department__name="汉丰街道")
        .exclude(project__enterprise__users__isnull=False)
        .order_by("pk")
        .first()
    )


def _payment():
    return (
        Payment.objects.exclude(project__department__name="汉丰街道")
        .exclude(project__enterprise__users__isnull=False)
        .order_by("pk")
        .first()
    )


LIFECYCLE_SEERS = only("kjj", "leader", others=404, expert=403, fuwu=403, **ADMINS_403)
LIFECYCLE_RECORD_API = {"GET": {**LIFECYCLE_SEERS, ANONYMOUS: 401}}
LIFECYCLE_LIST_API = {"GET": {**only(*REGISTRY_VIEWERS), ANONYMOUS: 401}}
# a step on a record the user sees: the bureau's empty or refused form comes back (400); who only reads
# it (the leader) is refused (403), who cannot see it does not find it (404)
LIFECYCLE_STEP = post_only(
    only("kjj", code=400, others=404, leader=403, expert=403, fuwu=403, qiye=404, **ADMINS_403)
)
INTERIM_SEERS = only(*PROJECT_SEERS, others=404, expert=403, fuwu=403, **ADMINS_403)
INTERIM_SAMPLES = {
    "interim-reports:detail": lambda: {"pk": _interim_report().pk},
    "projects:interim": lambda: {"pk": _interim_report().pk},
    "api:get_interim-reports": lambda: {"record_id": _interim_report().pk},
}
INTERIM_EXPECTED = {
    "interim-reports:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    # the kit's detail URL sends to the report's own page
    "interim-reports:detail": page(
        only(*PROJECT_SEERS, code=302, others=404, expert=403, fuwu=403, **ADMINS_403), post=every(405)
    ),
    # the report's page; an empty POST is sent back with a message
    "projects:interim": page(
        INTERIM_SEERS, post=only(*PROJECT_SEERS, code=302, others=404, expert=403, fuwu=403, **ADMINS_403)
    ),
    "api:list_interim-reports": {"GET": {**only(*REGISTRY_VIEWERS), ANONYMOUS: 401}},
    "api:get_interim-reports": {"GET": {**INTERIM_SEERS, ANONYMOUS: 401}},
}
# --- end of 中期检查 -----------------------------------------------------------------------------------------

SAMPLES = {
    "task-books:detail": lambda: {"pk": _book().pk},
    "task-books:step": lambda: {"pk": _book().pk, "step": "basics"},
    "task-books:check": lambda: {
        "pk": _book().pk,
        "milestone_pk": _book().milestones.order_by("-sequence").first().pk,
    },
    "api:get_task-books": lambda: {"record_id": _book().pk},
    "acceptances:detail": lambda: {"pk": _acceptance().pk},
    "acceptances:step": lambda: {"pk": _acceptance().pk, "step": "save"},
    "api:get_acceptances": lambda: {"record_id": _acceptance().pk},
    "payments:detail": lambda: {"pk": _payment().pk},
    "api:get_payments": lambda: {"record_id": _payment().pk},
    "projects:acceptance_start": lambda: {"pk": _running().pk},
    "projects:payment_arrange": lambda: {"pk": _running().pk},
    "approval-batches:detail": lambda: {"pk": _batch().pk},
    "approval-batches:detail[decided]": lambda: {"pk": _batch(BatchStatus.DECIDED).pk},
    "approval-batches:line": lambda: {"pk": _batch().pk, "line_pk": _line().pk},
    "approval-batches:publish": lambda: {"pk": _batch().pk},
    "approval-batches:objection": lambda: {"pk": _batch().pk},
    "approval-batches:resolve": lambda: {"pk": _batch().pk, "objection_pk": _objection().pk},
    "approval-batches:decide": lambda: {"pk": _batch().pk},
    "api:get_approval-batches": lambda: {"record_id": _batch().pk},
    "publicity:detail": lambda: {"pk": _batch().pk},
    "publicity:detail[decided]": lambda: {"pk": _batch(BatchStatus.DECIDED).pk},
    "calls:review": lambda: {"pk": samples.call().pk},
    "calls:draft_batch": lambda: {"pk": samples.call().pk},
    "calls:detail": lambda: {"pk": samples.call().pk},
    "calls:detail[draft]": lambda: {"pk": samples.draft_call().pk},
    "calls:edit": lambda: {"pk": samples.call().pk},
    "calls:apply": lambda: {"pk": samples.call().pk},
    "calls:apply_for_unit": lambda: {"pk": samples.call().pk},
    "api:get_calls": lambda: {"record_id": samples.call().pk},
    "api:get_calls[draft]": lambda: {"record_id": samples.draft_call().pk},
    "api:update_calls": lambda: {"record_id": samples.call().pk},
    "projects:detail": lambda: {"pk": samples.project().pk},
    "projects:edit": lambda: {"pk": samples.project().pk},
    "api:get_projects": lambda: {"record_id": samples.project().pk},
    "api:update_projects": lambda: {"record_id": samples.project().pk},
    "workflow:comment": lambda: {"model_label": "projects.project", "pk": samples.project().pk},
    "projects:application": lambda: {"pk": _application().pk},
    "projects:attachment": lambda: {"pk": _attachment().pk},
    "workflow:run": lambda: {
        "model_label": "projects.project",
        "pk": _applied_project().pk,
        "name": "accept",
    },
}

EXPECTED = {
    "task-books:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "task-books:detail": page(LIFECYCLE_SEERS, post=every(405)),
    "task-books:step": LIFECYCLE_STEP,
    # the bureau checks a milestone (an empty form: 400); others lack the capability
    "task-books:check": post_only(only("kjj", code=400)),
    "api:list_task-books": LIFECYCLE_LIST_API,
    "api:get_task-books": LIFECYCLE_RECORD_API,
    "acceptances:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "acceptances:detail": page(LIFECYCLE_SEERS, post=every(405)),
    "acceptances:step": LIFECYCLE_STEP,
    "api:list_acceptances": LIFECYCLE_LIST_API,
    "api:get_acceptances": LIFECYCLE_RECORD_API,
    "payments:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "payments:detail": page(LIFECYCLE_SEERS, post=every(405)),
    "api:list_payments": LIFECYCLE_LIST_API,
    "api:get_payments": LIFECYCLE_RECORD_API,
    # the unit (or the bureau for it) starts an acceptance: refused back to the project's page (302) while
    # one is open; the enterprise does not find another's project
    "projects:acceptance_start": post_only(only("kjj", code=302, qiye=404)),
    # the bureau arranges a payment (an empty form: 400)
    "projects:payment_arrange": post_only(only("kjj", code=400)),
    "approval-batches:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "approval-batches:detail": page(BATCH_SEERS, post=every(405)),
    "approval-batches:detail[decided]": page(BATCH_SEERS, post=every(405)),
    # the bureau's actions; an empty form in 公示: refused back to the page (302) or shown again (400)
    "approval-batches:line": post_only(only("kjj", code=302)),
    "approval-batches:publish": post_only(only("kjj", code=302)),
    "approval-batches:objection": post_only(only("kjj", code=400)),
    "approval-batches:resolve": post_only(only("kjj", code=400)),
    "approval-batches:decide": post_only(only("kjj", code=400)),
    "api:list_approval-batches": {"GET": {**only(*REGISTRY_VIEWERS), ANONYMOUS: 401}},
    "api:get_approval-batches": BATCH_RECORD_API,
    # 立项公示: everyone, without login
    "publicity:list": PUBLIC,
    "publicity:detail": PUBLIC,
    "publicity:detail[decided]": PUBLIC,
    # the call's keeper sends its applications to review and drafts the list (an empty form: 400)
    "calls:review": post_only(only("kjj", code=400)),
    "calls:draft_batch": post_only(only("kjj", code=400)),
    "calls:list": page(only(*CALL_READERS), post=every(405)),
    "calls:create": page(only("kjj")),
    "calls:detail": page(only(*CALL_READERS), post=every(405)),
    "calls:detail[draft]": page(DRAFT_CALL, post=every(405)),
    "calls:edit": page(only("kjj")),
    # 在线申报: the enterprise's empty form is refused on the call's page (400); the bureau holds the
    # capability but speaks for no enterprise (403)
    "calls:apply": post_only(only("qiye", code=400)),
    # 代为申报: the call's keeper files for a unit outside the registry (an empty form: 400)
    "calls:apply_for_unit": post_only(only("kjj", code=400)),
    "api:list_calls": REGISTRY_LIST_API,
    "api:create_calls": REGISTRY_LIST_API,
    "api:get_calls": CALL_RECORD_API,
    "api:get_calls[draft]": DRAFT_CALL_API,
    "api:update_calls": CALL_RECORD_API,
    "projects:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "projects:create": page(only("kjj")),
    "projects:detail": page(
        only(*PROJECT_SEERS, others=404, expert=403, fuwu=403, **ADMINS_403), post=every(405)
    ),
    "projects:edit": page(only("kjj")),
    # the applicant's page: who may apply for the project (its enterprise, the bureau); an empty POST is
    # sent back with a message
    "projects:application": page(only("qiye", "kjj"), post=only("qiye", "kjj", code=302)),
    "projects:attachment": page(
        only(*APPLICANT_PROJECT_SEERS, others=404, expert=403, fuwu=403, **ADMINS_403), post=every(405)
    ),
    "api:list_projects": REGISTRY_LIST_API,
    "api:create_projects": REGISTRY_LIST_API,
    "api:get_projects": PROJECT_RECORD_API,
    "api:update_projects": PROJECT_RECORD_API,
    # who sees the project is sent back to it (a refused transition with a message); the others get 404
    "workflow:comment": post_only(
        only(*PROJECT_SEERS, code=302, others=404, expert=403, fuwu=403, **ADMINS_403)
    ),
    "workflow:run": post_only(only(*PROJECT_SEERS, code=302, others=404, expert=403, fuwu=403, **ADMINS_403)),
}

SAMPLES.update(INTERIM_SAMPLES)  # 中期检查
EXPECTED.update(INTERIM_EXPECTED)  # 中期检查
