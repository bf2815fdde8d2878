"""What the projects app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from django.core.files.base import ContentFile

from kechuang.projects.models import ApprovalBatch, Attachment, BatchStatus, Objection, Project, Status
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
