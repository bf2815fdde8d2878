"""What the reviews app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`)."""

from kechuang.reviews.models import Expert
from kechuang.testing.permissions import ANONYMOUS, every, only, page

# the bureau keeps the pool; the demo expert sees only their own record (a sample of someone else: 404)
EXPERT_RECORD = only("kjj", expert=404)
EXPERT_RECORD_API = {"GET": {**EXPERT_RECORD, ANONYMOUS: 401}}


def _other_expert():
    return Expert.objects.filter(user=None).order_by("pk").first()


SAMPLES = {
    "experts:detail": lambda: {"pk": _other_expert().pk},
    "experts:edit": lambda: {"pk": _other_expert().pk},
    "api:get_experts": lambda: {"record_id": _other_expert().pk},
}

EXPECTED = {
    "experts:list": page(only("kjj", "expert"), post=every(405)),
    "experts:create": page(only("kjj")),
    "experts:detail": page(EXPERT_RECORD, post=every(405)),
    "experts:edit": page(only("kjj")),
    "api:list_experts": {"GET": {**only("kjj", "expert"), ANONYMOUS: 401}},
    "api:get_experts": EXPERT_RECORD_API,
}
