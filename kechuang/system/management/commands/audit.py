"""`kechuang audit verify` walks the audit logs' hash chains (changes, logins, full views of personal data)
and names the first entry that does not hold; `kechuang audit prune` removes entries past the retention period, keeping the chains
verifiable (an anchor). Both are what the 审计管理员 and 安全管理员 run; the daily verification runs on the
task queue (`kechuang reminders` queues it) and raises a reminder to the security officers on a break."""

from datetime import date

from django.conf import settings
from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.core.context import current

LOGS = {"changes": "ChangeEntry", "logins": "LoginEvent", "personal": "PersonalDataView"}


class Command(AuditedCommand):
    help = "审计日志：verify 校验各日志的哈希链（指出第一条被改动、删除或插入的记录）；prune 清理超过保存期的记录。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="校验变更记录、登录日志与个人信息查看记录的哈希链")
        verify.add_argument("--checkpoint", action="store_true", help="校验通过后把链尾记入检查点文件")
        verify.add_argument("--notify", action="store_true", help="校验未通过时提醒安全管理员")
        prune = sub.add_parser("prune", help="清理保存期（至少 180 天）以前的记录，保留可校验的锚点")
        prune.add_argument("--before", required=True, help="清理此日期（YYYY-MM-DD）之前的记录")
        prune.add_argument("--log", choices=sorted(LOGS), help="只清理一种日志（默认全部清理）")
        for p in (verify, prune):  # the audited command's own options, after the subcommand too
            p.add_argument("--actor", help="以该用户名的身份记录审计日志（默认：系统）")
            p.add_argument("--reason", default="", help="写入审计日志的原因")

    def handle(self, *args, **options):
        if options["action"] == "verify":
            return self.verify(options)
        return self.prune(options)

    def verify(self, options):
        from kechuang.core.tasks import run_or_queue

        from ... import security

        if options["notify"]:  # the daily run: on the task queue where there is a durable one
            queued, outcome = run_or_queue(security.verify_audit_task, options["checkpoint"])
            if queued:
                self.stdout.write(f"已交给任务队列（任务 {outcome.id}），由 kechuang db_worker 执行。")
                return
            results = outcome
        else:
            reports = security.verify_audit(checkpoint=options["checkpoint"])
            results = {
                r.log: {"checked": r.checked, "broken": str(r.broken) if r.broken else ""} for r in reports
            }
        broken = [result["broken"] for result in results.values() if result["broken"]]
        for log, result in results.items():
            self.stdout.write(
                f"{log}：校验 {result['checked']} 条，{'未通过' if result['broken'] else '完整'}"
            )
        if broken:
            raise CommandError("审计日志校验未通过：" + "；".join(broken))

    def prune(self, options):
        from kechuang.audit import chain, models
        from kechuang.audit.recording import record_change

        try:
            before = date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"--before “{options['before']}”不是有效日期，应为 YYYY-MM-DD。") from None
        ctx = current()
        for key in [options["log"]] if options.get("log") else sorted(LOGS):
            model = getattr(models, LOGS[key])
            try:
                removed = chain.prune(model, before, actor_label=ctx.actor_label or "系统", reason=ctx.reason)
            except chain.PruneRefused as exc:
                raise CommandError(str(exc)) from None
            except Exception as exc:  # the application's database role may not delete audit rows
                raise CommandError(
                    f"清理失败：{exc}。生产环境中应用账号无权删除审计记录，请以数据库属主账号运行"
                    "（见 docs/DEPLOY.md）。"
                ) from None
            if removed:
                anchor = models.Anchor.objects.filter(log=model._meta.db_table).latest("pk")
                record_change(
                    anchor, "create", None, {"removed": removed, "before": str(before)}, ["removed"]
                )
            self.stdout.write(f"{model._meta.verbose_name}：清理 {before:%Y-%m-%d} 之前的记录 {removed} 条")
        self.stdout.write(f"（保存期 {settings.AUDIT_RETENTION_DAYS} 天）")
