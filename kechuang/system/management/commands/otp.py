"""`kechuang otp reset USERNAME --reason …` removes an account's authenticator (a lost phone) when no
security officer can sign in to do it on the page — e.g. the only 安全管理员's own phone; `kechuang otp
status` lists the administrators and who has set one up."""

from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.core.context import current


class Command(AuditedCommand):
    help = "动态口令（二次验证）：reset 重置某账号的验证器（手机遗失）；status 列出管理员与已启用的账号。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset", help="重置一个账号的验证器，其下次登录时重新设置")
        reset.add_argument("username")
        sub.add_parser("status", help="列出管理员账号与已启用动态口令的账号")
        for p in sub.choices.values():  # the audited command's own options, after the subcommand too
            p.add_argument("--actor", help="以该用户名的身份记录审计日志（默认：系统）")
            p.add_argument("--reason", default="", help="写入审计日志的原因（reset 必填）")

    def handle(self, *args, **options):
        from kechuang.org.models import User

        from ... import second_factor

        if options["action"] == "status":
            from django.db.models import Q

            from kechuang.org.roles import ADMIN_DUTIES

            accounts = User.objects.filter(
                Q(is_superuser=True) | Q(grants__role__in=ADMIN_DUTIES) | Q(totpdevice__confirmed=True)
            ).distinct()
            for account in accounts.order_by("username"):
                device = second_factor.device_of(account)
                state = f"已启用（{device.created_at:%Y-%m-%d}）" if device else "未启用"
                kind = "管理员" if second_factor.is_administrator(account) else "普通账号"
                self.stdout.write(f"{account.username}\t{kind}\t{state}")
            return
        account = User.objects.filter(username=options["username"]).first()
        if account is None:
            raise CommandError(f"用户“{options['username']}”不存在。")
        try:
            second_factor.reset(current().resolved_actor(), account, reason=options["reason"])
        except second_factor.Refused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已重置 {account.username} 的动态口令：其下次登录时重新设置验证器。")
