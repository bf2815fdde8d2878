from kechuang.core.commands import AuditedCommand
from kechuang.core.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(AuditedCommand):
    help = "载入基础数据和演示账号（每个角色一个）。可重复执行，不会产生重复数据。"

    def handle(self, *args, **options):
        load_demo_data()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪：开州区方案、单位、演示账号与企业台账。"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {name}（{role.label}）")
