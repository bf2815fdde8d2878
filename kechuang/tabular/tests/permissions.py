"""What the tabular app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.org.models import User
from kechuang.tabular.models import ImportJob
from kechuang.testing.permissions import REGISTRY_VIEWERS, every, only, page, post_only


def _job():
    return ImportJob.objects.create(
        sheet="enterprises",
        user=User.objects.get(username="kjj"),
        file="imports/x.xlsx",
        original_name="x.xlsx",
        status="refused",
        file_error="示例",
    )


SAMPLES = {
    "tabular:sheet": lambda: {"key": "enterprises"},
    "tabular:sheet[no-such-sheet]": lambda: {"key": "no-such-sheet"},
    "tabular:template": lambda: {"key": "enterprises"},
    "tabular:template[enterprise-years]": lambda: {"key": "enterprise-years"},
    "tabular:export": lambda: {"key": "enterprise-years"},
    "tabular:upload": lambda: {"key": "enterprises"},
    "tabular:job": lambda: {"pk": _job().pk},
    "tabular:job_status": lambda: {"pk": _job().pk},
    "tabular:job_commit": lambda: {"pk": _job().pk},
    "tabular:job_discard": lambda: {"pk": _job().pk},
    "tabular:job_retry": lambda: {"pk": _job().pk},
    "tabular:job_take_over": lambda: {"pk": _job().pk},
    "tabular:job_errors": lambda: {"pk": _job().pk},
}

EXPECTED = {
    "tabular:sheet": page(only(*REGISTRY_VIEWERS)),
    "tabular:sheet[no-such-sheet]": page(every(404)),
    "tabular:template": page(only("kjj")),
    "tabular:template[enterprise-years]": page(only("kjj")),
    "tabular:export": page(only(*REGISTRY_VIEWERS)),
    "tabular:upload": post_only(only("kjj", code=302)),  # no file: back with a message
    # an import job of kjj's: its owner and all-scope IT see it
    "tabular:job": page(only("kjj", others=404)),
    "tabular:job_status": page(only("kjj", code=204, others=404)),  # not busy: 204, the page reloads
    "tabular:job_commit": post_only(only("kjj", code=302, others=404)),
    "tabular:job_discard": post_only(only("kjj", code=302, others=404)),
    "tabular:job_retry": post_only(only("kjj", code=302, others=404)),  # refused: back with a message
    "tabular:job_take_over": post_only(only("kjj", code=302, others=404)),
    "tabular:job_errors": page(every(404)),  # a refused file has no error workbook
}
