"""What the progress app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from django.core.files.base import ContentFile

from kechuang.plans.models import Target
from kechuang.progress.models import Report, ReportedValue
from kechuang.testing import samples
from kechuang.testing.permissions import (
    ADMINS_403,
    EVERYONE,
    EXTERNAL_403,
    INTERNAL,
    PDF,
    endpoint,
    every,
    only,
    page,
)

STATS_REPORT_READERS = (
    "kjj",
    "tjj",
    "leader",
)  # the 区统计局's report: its unit, all-scope roles


def _stats_report():
    # the 区统计局's report in the open 2026Q3 round (tjj fills it in)
    return Report.objects.get(round__period="2026Q3", department=samples.department("区统计局"))


def _evidence_value():
    # a figure of the 区统计局's approved 2021 report, with its evidence file
    value = ReportedValue.objects.get(
        report__round__period="2021", report__department=samples.department("区统计局")
    )
    value.evidence.save("年报.pdf", ContentFile(PDF))
    return value


SAMPLES = {
    "progress:round": lambda: {"pk": _stats_report().round_id},
    "progress:report": lambda: {"pk": _stats_report().pk},
    "progress:evidence": lambda: {"pk": _evidence_value().pk},
    "progress:target_records": lambda: {"pk": Target.objects.get(indicator__code="1-1", year=2021).pk},
    "api:get_cockpit": lambda: {"as_of": "2023-06-30"},
}

EXPECTED = {
    "progress:cockpit": page(only(*INTERNAL)),
    "progress:rounds": page(only(*INTERNAL), post=only("kjj")),  # POST opens a round: the bureau only
    "progress:round": page(only(*INTERNAL), post=only("kjj", code=302)),  # POST closes the round
    "progress:report": page(
        only(*STATS_REPORT_READERS, others=404, **EXTERNAL_403, **ADMINS_403),
        # its reporter saves the draft
        post=only(*STATS_REPORT_READERS, code=403, others=404, tjj=302, **EXTERNAL_403, **ADMINS_403),
    ),
    "progress:evidence": page(only(*STATS_REPORT_READERS, others=404, **EXTERNAL_403, **ADMINS_403)),
    "progress:notifications": page(EVERYONE, post=every(302)),  # POST marks them read
    "progress:target_records": page(only(*INTERNAL)),
    "api:get_cockpit": endpoint(only(*INTERNAL)),
    "api:get_cockpit_tasks": endpoint(only(*INTERNAL)),
}
