"""What the api app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.testing import samples
from kechuang.testing.permissions import ADMINS_403, EVERYONE, EXTERNAL_403, endpoint, every, only, page

SAMPLES = {
    "api:evaluate_metric": lambda: {
        "key": "plans.tasks_completed",
        "period": "2021",
        "scope": samples.department("区经济信息委").pk,
    },
}

EXPECTED = {
    "api:list_metrics": endpoint(EVERYONE),
    "api:evaluate_metric": endpoint(
        only("kjj", "jxw", "leader", others=404, **EXTERNAL_403, **ADMINS_403)
    ),  # 区经济信息委: internal figures
    "api:api-root": page(every(404), anonymous=404),
    "api:openapi-json": page(EVERYONE, anonymous=401),  # the schema is behind login (or a token)
    "api:openapi-view": page(EVERYONE, anonymous=302),
    "api:get_caller": endpoint(EVERYONE),
}
