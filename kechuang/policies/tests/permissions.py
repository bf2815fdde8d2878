"""What the policies app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`).

Policies and their articles are read by everyone working with them (bureau, units, towns, leaders,
enterprises); 免申即享 lists only by the bureau that keeps them; a grant and its payments by the bureau,
the leader, the enterprise's town and the enterprise itself (the sample is the demo enterprise's, in
汉丰街道)."""

from kechuang.policies.models import (
    ApplicationAttachment,
    ApplicationWindow,
    BenefitRound,
    Disbursement,
    Grant,
    GrantStatus,
    Instrument,
    PolicyApplication,
    PolicyDocument,
)
from kechuang.testing.permissions import (
    ADMINS_403,
    ANONYMOUS,
    every,
    only,
    page,
    post_only,
)

POLICY_READERS = ("kjj", "jxw", "tjj", "hanfeng", "leader", "qiye")
READERS = only(*POLICY_READERS, **ADMINS_403)
LIST_API = {"GET": {**READERS, ANONYMOUS: 401}}
GRANT_SEERS = only("kjj", "hanfeng", "leader", "qiye", others=404, expert=403, fuwu=403, **ADMINS_403)
BUREAU_ONLY = only("kjj")
PUBLIC = {"GET": {**every(200), ANONYMOUS: 200}, "POST": {**every(405), ANONYMOUS: 405}}


def _document():
    return PolicyDocument.objects.order_by("pk").first()


def _instrument():
    return Instrument.objects.get(name="研发投入补助")


def _round():
    return BenefitRound.objects.filter(status="draft").order_by("pk").first()


def _grant():
    return Grant.objects.filter(
        enterprise__users__username="qiye", status=GrantStatus.AWAITING_ACCOUNT
    ).first()


def _payment():
    return Disbursement.objects.filter(grant__enterprise__users__username="qiye").order_by("pk").first()


def _window():
    return ApplicationWindow.objects.filter(status="publicity").order_by("pk").first()


def _open_window():
    return ApplicationWindow.objects.filter(status="open").order_by("pk").first()


def _application():
    return PolicyApplication.objects.filter(enterprise__users__username="qiye").order_by("pk").first()


def _attachment():
    """The demo enterprise's attachment, its file present (the matrix runs on a media folder of its own)."""
    from django.core.files.base import ContentFile

    found = ApplicationAttachment.objects.filter(application=_application()).first()
    if not found.file.storage.exists(found.file.name):
        found.file.storage.save(found.file.name, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return found


SAMPLES = {
    "application-windows:detail": lambda: {"pk": _window().pk},
    "application-windows:edit": lambda: {"pk": _window().pk},
    "application-windows:apply": lambda: {"pk": _window().pk},
    "application-windows:step": lambda: {"pk": _window().pk, "step": "objection"},
    "application-windows:resolve": lambda: {
        "pk": _window().pk,
        "objection_pk": _window().objections.get().pk,
    },
    "api:get_application-windows": lambda: {"record_id": _window().pk},
    "policy-applications:detail": lambda: {"pk": _application().pk},
    "policy-applications:step": lambda: {"pk": _application().pk, "step": "propose"},
    "policy-applications:attachment": lambda: {"pk": _attachment().pk},
    "api:get_policy-applications": lambda: {"record_id": _application().pk},
    "public-policies:notice": lambda: {"pk": _window().pk},
    "policy-documents:detail": lambda: {"pk": _document().pk},
    "policy-documents:edit": lambda: {"pk": _document().pk},
    "api:get_policy-documents": lambda: {"record_id": _document().pk},
    "policy-instruments:detail": lambda: {"pk": _instrument().pk},
    "policy-instruments:edit": lambda: {"pk": _instrument().pk},
    "policy-instruments:step": lambda: {"pk": _instrument().pk, "step": "budget"},
    "api:get_policy-instruments": lambda: {"record_id": _instrument().pk},
    "benefit-rounds:detail": lambda: {"pk": _round().pk},
    "benefit-rounds:step": lambda: {"pk": _round().pk, "step": "confirm"},
    "benefit-rounds:line": lambda: {
        "pk": _round().pk,
        "line_pk": _round().lines.filter(eligible=True).first().pk,
        "step": "exclude",
    },
    "api:get_benefit-rounds": lambda: {"record_id": _round().pk},
    "grants:detail": lambda: {"pk": _grant().pk},
    "grants:step": lambda: {"pk": _grant().pk, "step": "account"},
    "api:get_grants": lambda: {"record_id": _grant().pk},
    "disbursements:detail": lambda: {"pk": _payment().pk},
    "api:get_disbursements": lambda: {"record_id": _payment().pk},
    "public-policies:detail": lambda: {"pk": _document().pk},
}

EXPECTED = {
    "policies:budget": page(READERS, post=every(405)),
    "policies:mine": page(only("qiye", **ADMINS_403), post=every(405)),
    "policy-documents:list": page(READERS, post=every(405)),
    "policy-documents:create": page(BUREAU_ONLY),
    "policy-documents:detail": page(READERS, post=every(405)),
    "policy-documents:edit": page(BUREAU_ONLY),
    "api:list_policy-documents": LIST_API,
    "api:get_policy-documents": {"GET": {**READERS, ANONYMOUS: 401}},
    "policy-instruments:list": page(READERS, post=every(405)),
    "policy-instruments:create": page(BUREAU_ONLY),
    "policy-instruments:detail": page(READERS, post=every(405)),
    "policy-instruments:edit": page(BUREAU_ONLY),
    # an empty form comes back with its errors (400); only the bureau keeps budgets
    "policy-instruments:step": post_only(only("kjj", code=400)),
    "api:list_policy-instruments": LIST_API,
    "api:get_policy-instruments": {"GET": {**READERS, ANONYMOUS: 401}},
    "benefit-rounds:list": page(BUREAU_ONLY, post=every(405)),
    "benefit-rounds:detail": page(BUREAU_ONLY, post=every(405)),
    "benefit-rounds:step": post_only(only("kjj", code=400)),
    "benefit-rounds:line": post_only(only("kjj", code=400)),
    "api:list_benefit-rounds": {"GET": {**BUREAU_ONLY, ANONYMOUS: 401}},
    "api:get_benefit-rounds": {"GET": {**BUREAU_ONLY, ANONYMOUS: 401}},
    "grants:list": page(READERS, post=every(405)),
    "grants:detail": page(GRANT_SEERS, post=every(405)),
    # the enterprise's empty account form comes back (400); whoever else sees the grant does not confirm
    # for it (404), nor does anyone who cannot see it
    "grants:step": post_only(only("qiye", code=400, others=404)),
    "api:list_grants": LIST_API,
    "api:get_grants": {"GET": {**GRANT_SEERS, ANONYMOUS: 401}},
    "disbursements:list": page(READERS, post=every(405)),
    "disbursements:detail": page(GRANT_SEERS, post=every(405)),
    "api:list_disbursements": LIST_API,
    "api:get_disbursements": {"GET": {**GRANT_SEERS, ANONYMOUS: 401}},
    "api:get_policy_budget": {"GET": {**READERS, ANONYMOUS: 401}},
    # 申请兑现: windows are announced to every role that reads policies; the bureau keeps them
    "application-windows:list": page(READERS, post=every(405)),
    "application-windows:create": page(BUREAU_ONLY),
    "application-windows:detail": page(READERS, post=every(405)),
    # a window on its 公示 may no longer be edited: back to its page with the reason (302)
    "application-windows:edit": page(only("kjj", code=302)),
    # the enterprise's start form for a window on its 公示 (no longer open) comes back refused (400)
    "application-windows:apply": post_only(only("qiye", code=400)),
    "application-windows:step": post_only(only("kjj", code=400)),
    "application-windows:resolve": post_only(only("kjj", code=400)),
    "api:list_application-windows": LIST_API,
    "api:get_application-windows": {"GET": {**READERS, ANONYMOUS: 401}},
    # an application: the bureau, its 初审 unit (the town), the leader and the enterprise itself
    "policy-applications:list": page(READERS, post=every(405)),
    "policy-applications:detail": page(GRANT_SEERS, post=every(405)),
    # (the bureau's empty 联审 form comes back 400; whoever else sees the application may not propose)
    "policy-applications:step": post_only(
        only("kjj", code=400, others=404, expert=403, fuwu=403, **ADMINS_403)
    ),
    "policy-applications:attachment": page(GRANT_SEERS, post=every(405)),
    "api:list_policy-applications": LIST_API,
    "api:get_policy-applications": {"GET": {**GRANT_SEERS, ANONYMOUS: 401}},
    # the policies for the public: everyone, signed in or not
    "public-policies:list": PUBLIC,
    "public-policies:detail": PUBLIC,
    "public-policies:notice": PUBLIC,
}
