"""What the enterprises app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.enterprises.models import Enterprise
from kechuang.testing import samples
from kechuang.testing.permissions import (
    ANONYMOUS,
    REGISTRY_LIST_API,
    REGISTRY_VIEWERS,
    endpoint,
    every,
    only,
    page,
    post_only,
)

OWN_ENTERPRISE_SEERS = only(*REGISTRY_VIEWERS, jxw=404, tjj=404)  # the demo enterprise, in 汉丰街道

OWN_ENTERPRISE_API = {
    "GET": {**OWN_ENTERPRISE_SEERS, ANONYMOUS: 401},
    "PATCH": {**every(422), ANONYMOUS: 401},
}


def _other_enterprise():
    return Enterprise.objects.exclude(town__name="汉丰街道").order_by("pk").first()


def _other_year():
    from kechuang.enterprises.models import EnterpriseYear

    return EnterpriseYear.objects.filter(enterprise=_other_enterprise(), superseded_at__isnull=True).first()


def _own_qualification():
    from kechuang.enterprises.models import Qualification

    # a qualification of the demo enterprise account's own enterprise (in 汉丰街道)
    return Qualification.objects.filter(enterprise=samples.qiye_enterprise()).order_by("pk").first()


def _submission():
    from kechuang.enterprises.models import Submission

    return Submission.objects.create(
        enterprise=samples.qiye_enterprise(), kind="profile", values={"contact_name": "王"}, status="accepted"
    )


SAMPLES = {
    "enterprises:detail": lambda: {"pk": samples.qiye_enterprise().pk},
    "enterprises:detail[other]": lambda: {"pk": _other_enterprise().pk},
    "enterprises:edit": lambda: {"pk": samples.qiye_enterprise().pk},
    "enterprises:edit[other]": lambda: {"pk": _other_enterprise().pk},
    "enterprises:propose": lambda: {"pk": samples.qiye_enterprise().pk},
    "enterprises:propose[other]": lambda: {"pk": _other_enterprise().pk},
    "enterprises:propose_year": lambda: {"pk": samples.qiye_enterprise().pk, "year": 2024},
    "enterprises:submission": lambda: {"pk": _submission().pk},
    "enterprises:submission_submit": lambda: {"pk": _submission().pk},
    "enterprises:year_history": lambda: {"pk": samples.qiye_enterprise().pk, "year": 2024},
    "enterprise-years:detail": lambda: {"pk": samples.enterprise_year().pk},
    "enterprise-years:create": lambda: {"enterprise": samples.qiye_enterprise().credit_code, "year": 2026},
    "enterprise-years:edit": lambda: {"pk": samples.enterprise_year().pk},
    "enterprise-years:edit[other]": lambda: {"pk": _other_year().pk},
    "qualifications:detail": lambda: {"pk": _own_qualification().pk},
    "qualifications:create": lambda: {"enterprise": samples.qiye_enterprise().credit_code},
    "qualifications:edit": lambda: {"pk": _own_qualification().pk},
    "api:get_enterprises": lambda: {"record_id": samples.qiye_enterprise().pk},
    "api:update_enterprises": lambda: {"record_id": samples.qiye_enterprise().pk},
    "api:get_enterprise-years": lambda: {"record_id": samples.enterprise_year().pk},
    "api:update_enterprise-years": lambda: {"record_id": samples.enterprise_year().pk},
    "api:get_qualifications": lambda: {"record_id": _own_qualification().pk},
    "api:update_qualifications": lambda: {"record_id": _own_qualification().pk},
}

EXPECTED = {
    "enterprises:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "enterprises:reserve": page(only(*REGISTRY_VIEWERS)),
    # 研发费用加计扣除: every viewer within its scope (an enterprise its own rows)
    "enterprises:superdeduction": page(only(*REGISTRY_VIEWERS)),
    "enterprises:superdeduction_export": page(only(*REGISTRY_VIEWERS)),
    "enterprises:create": page(only("kjj")),
    # the demo enterprise account's own enterprise, in 汉丰街道
    "enterprises:detail": page(OWN_ENTERPRISE_SEERS, post=every(405)),
    "enterprises:year_history": page(only(*REGISTRY_VIEWERS, jxw=404, tjj=404)),
    "enterprises:edit": page(only("kjj")),  # the ledger is the bureau's; an enterprise proposes
    "enterprises:propose": page(only("qiye")),
    "enterprises:propose_year": page(only("qiye")),
    "enterprises:propose[other]": page(only(qiye=404)),
    "enterprises:submissions": page(only(*REGISTRY_VIEWERS)),
    "enterprises:submission": page(only(*REGISTRY_VIEWERS, jxw=404, tjj=404)),
    "enterprises:submission_submit": post_only(only(qiye=200)),  # an empty form answers its errors
    # an enterprise in another town
    "enterprises:detail[other]": page(
        only(*REGISTRY_VIEWERS, jxw=404, tjj=404, hanfeng=404, qiye=404), post=every(405)
    ),
    # the demo enterprise's current yearly figures and a qualification: seen as the enterprise itself
    "enterprise-years:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "enterprise-years:detail": page(OWN_ENTERPRISE_SEERS, post=every(405)),
    "qualifications:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "qualifications:detail": page(OWN_ENTERPRISE_SEERS, post=every(405)),
    "enterprises:edit[other]": page(only("kjj")),
    # the ledger's yearly figures and qualifications are the bureau's (an enterprise proposes)
    "enterprise-years:create": page(only("kjj")),
    "enterprise-years:edit": page(only("kjj")),
    "enterprise-years:edit[other]": page(only("kjj")),
    "qualifications:create": page(only("kjj")),
    "qualifications:edit": page(only("kjj")),
    # the enterprises' ledger: written by the bureau only (an empty body is refused first: 422)
    "api:get_superdeduction": endpoint(only(*REGISTRY_VIEWERS)),
    "api:list_enterprises": REGISTRY_LIST_API,
    "api:create_enterprises": REGISTRY_LIST_API,
    "api:get_enterprises": OWN_ENTERPRISE_API,
    "api:update_enterprises": OWN_ENTERPRISE_API,
    "api:list_enterprise-years": REGISTRY_LIST_API,
    "api:create_enterprise-years": REGISTRY_LIST_API,
    "api:get_enterprise-years": OWN_ENTERPRISE_API,
    "api:update_enterprise-years": OWN_ENTERPRISE_API,
    "api:list_qualifications": REGISTRY_LIST_API,
    "api:create_qualifications": REGISTRY_LIST_API,
    "api:get_qualifications": OWN_ENTERPRISE_API,
    "api:update_qualifications": OWN_ENTERPRISE_API,
}
