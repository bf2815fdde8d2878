"""What the plans app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.plans.models import PlanDraft
from kechuang.testing import samples
from kechuang.testing.permissions import EVERYONE, endpoint, only, page


def _draft():
    return PlanDraft.objects.create(
        department=samples.plan().department, source_text="到2025年，高新技术企业达到100家。", title="识别稿"
    )


SAMPLES = {
    "plans:detail": lambda: {"pk": samples.plan().pk},
    "plans:programme": lambda: {"pk": samples.plan().pk, "number": 1},
    "plans:source": lambda: {"pk": samples.plan().pk},
    "plans:export": lambda: {"pk": samples.plan().pk},
    "plans:task": lambda: {"pk": samples.task().pk},
    "plans:task_edit": lambda: {"pk": samples.task().pk},
    "plans:draft": lambda: {"pk": _draft().pk},
    "api:get_plan": lambda: {"plan_id": samples.plan().pk},
    "api:get_task": lambda: {"task_id": samples.task().pk},
}

EXPECTED = {
    # the plan is published: everyone in the region reads it
    "plans:list": page(EVERYONE),
    "plans:detail": page(EVERYONE),
    "plans:programme": page(EVERYONE),
    "plans:source": page(EVERYONE),
    "plans:export": page(EVERYONE),
    "plans:task": page(EVERYONE),
    "plans:task_edit": page(only("kjj")),
    "plans:drafts": page(only("kjj")),
    "plans:draft_new": page(only("kjj")),
    "plans:draft": page(only("kjj")),
    "api:list_plans": endpoint(EVERYONE),
    "api:get_plan": endpoint(EVERYONE),
    "api:get_task": endpoint(EVERYONE),
}
