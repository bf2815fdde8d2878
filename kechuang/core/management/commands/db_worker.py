"""`kechuang db_worker`: django-tasks' database queue worker, which also ends the work of workers that
died (`kechuang/core/leases.py`): at start, and every KECHUANG_TASK_SWEEP_SECONDS from a thread of its own
(also while it runs a long task). Each task it runs holds a lease, refreshed by a heartbeat thread."""

from django_tasks_db.management.commands import db_worker

from kechuang.core import leases


class Command(db_worker.Command):
    help = "运行任务队列（数据库）的工作进程；启动时及之后定期找出已中止的工作进程留下的任务并结束它们。"

    def handle(self, **options) -> None:
        for task_id in leases.sweep():
            self.stderr.write(f"任务 {task_id} 的工作进程已中止：已结束该任务。")
        leases.start_sweeper()
        super().handle(**options)
