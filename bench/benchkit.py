"""What every in-process benchmark needs: a throwaway working folder with Django set up on it (a SQLite file
there, or the DATABASE_URL given), and best-of-N timing."""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_in(workdir: Path | None = None, prefix: str = "kechuang-bench-") -> Path:
    """Point the project at `workdir` (a new temporary folder when None), set Django up and return the
    folder. Tasks run inline so a benchmark measures them."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("KECHUANG_SQLITE_PATH", str(workdir / "bench.sqlite3"))
    os.environ["KECHUANG_DATA_DIR"] = str(workdir)
    os.environ["KECHUANG_TASK_BACKEND"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    return workdir


def migrate(reference_data: bool = True) -> None:
    """The schema, and the department tree with the Kaizhou plan unless told otherwise."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if reference_data:
        call_command("setup", verbosity=0, stdout=open(os.devnull, "w"))


def timed(func, repeat: int = 1):
    """(best seconds of `repeat` runs, the last run's result)."""
    best = result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def confirm_import(job, reason: str):
    """The owner confirms a validated import as on its page (the commit transition: all rows or none);
    with the tasks inline, the commit run happens before this returns. Returns the job as stored."""
    from kechuang.tabular.models import ImportJob
    from kechuang.workflow import engine as workflow

    workflow.perform(
        job,
        "commit",
        job.user,
        comment=reason,
        changes={"mode": ImportJob.Mode.ALL_OR_NOTHING, "reason": reason},
    )
    return ImportJob.objects.get(pk=job.pk)
