"""What the voucher app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`).

Voucher types are read by every role working with vouchers (bureau, units, towns, leaders, enterprises,
service institutions); the bureau keeps them and the institutions. A voucher is seen by the bureau, the
leader, its enterprise's town and the enterprise — and, once it redeemed it, by the institution (the
samples: the demo enterprise's voucher, and an attachment of one the demo institution redeemed); only a
registered institution's account has the 兑付 page."""

from django.core.files.base import ContentFile

from kechuang.testing.permissions import ADMINS_403, ANONYMOUS, every, only, page, post_only
from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherAttachment, VoucherType

VOUCHER_READERS = ("kjj", "jxw", "tjj", "hanfeng", "leader", "qiye", "fuwu")
READERS = only(*VOUCHER_READERS, **ADMINS_403)
LIST_API = {"GET": {**READERS, ANONYMOUS: 401}}
BUREAU_ONLY = only("kjj")
OWN_SEERS = only("kjj", "hanfeng", "leader", "qiye", others=404, expert=403, **ADMINS_403)
PROVIDER_SEERS = only("kjj", "hanfeng", "leader", "fuwu", others=404, expert=403, **ADMINS_403)


def _type():
    return VoucherType.objects.get(name="科技创新券（研发服务）")


def _provider():
    return ServiceProvider.objects.get(users__username="fuwu")


def _voucher():
    return Voucher.objects.filter(enterprise__users__username="qiye").order_by("pk").first()


def _attachment():
    """An attachment of a voucher the demo institution redeemed, its file present (the matrix runs on a
    media folder of its own)."""
    found = VoucherAttachment.objects.filter(voucher__provider=_provider()).order_by("pk").first()
    if not found.file.storage.exists(found.file.name):
        found.file.storage.save(found.file.name, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return found


SAMPLES = {
    "voucher-types:detail": lambda: {"pk": _type().pk},
    "voucher-types:edit": lambda: {"pk": _type().pk},
    "voucher-types:step": lambda: {"pk": _type().pk, "step": "claim"},
    "api:get_voucher-types": lambda: {"record_id": _type().pk},
    "voucher-providers:detail": lambda: {"pk": _provider().pk},
    "voucher-providers:edit": lambda: {"pk": _provider().pk},
    "voucher-providers:step": lambda: {"pk": _provider().pk, "step": "settle"},
    "api:get_voucher-providers": lambda: {"record_id": _provider().pk},
    "vouchers:detail": lambda: {"pk": _voucher().pk},
    "vouchers:attachment": lambda: {"pk": _attachment().pk},
    "api:get_vouchers": lambda: {"record_id": _voucher().pk},
}

EXPECTED = {
    "voucher-types:list": page(READERS, post=every(405)),
    "voucher-types:create": page(BUREAU_ONLY),
    "voucher-types:detail": page(READERS, post=every(405)),
    "voucher-types:edit": page(BUREAU_ONLY),
    # the demo enterprise already holds this type: its claim comes back refused (400); nobody else claims
    "voucher-types:step": post_only(only("qiye", code=400, others=404, expert=403, **ADMINS_403)),
    "api:list_voucher-types": LIST_API,
    "api:get_voucher-types": {"GET": {**READERS, ANONYMOUS: 401}},
    "voucher-providers:list": page(READERS, post=every(405)),
    "voucher-providers:create": page(BUREAU_ONLY),
    "voucher-providers:detail": page(PROVIDER_SEERS, post=every(405)),
    "voucher-providers:edit": page(BUREAU_ONLY),
    # an empty settlement form comes back (400): the bureau only
    "voucher-providers:step": post_only(only("kjj", code=400)),
    "api:list_voucher-providers": LIST_API,
    "api:get_voucher-providers": {"GET": {**PROVIDER_SEERS, ANONYMOUS: 401}},
    "vouchers:list": page(READERS, post=every(405)),
    "vouchers:detail": page(OWN_SEERS, post=every(405)),
    "vouchers:attachment": page(PROVIDER_SEERS, post=every(405)),
    "api:list_vouchers": LIST_API,
    "api:get_vouchers": {"GET": {**OWN_SEERS, ANONYMOUS: 401}},
    # the institution's 兑付 page; an empty search posted comes back with its errors (400)
    "vouchers-redeem:redeem": page(only("fuwu"), post=only("fuwu", code=400)),
}
