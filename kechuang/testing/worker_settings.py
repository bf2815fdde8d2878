"""Settings of a `kechuang db_worker` process that a test starts on the test database
(`kechuang/testing/workers.py`): the site's own settings — database, data directory, task backend and
lease timings from the environment — plus the import pauses a crash test asks for."""

import json
import os

from kechuang.settings import *  # noqa: F403

KECHUANG_IMPORT_PAUSES = json.loads(os.environ.get("KECHUANG_TEST_IMPORT_PAUSES", "{}"))
