from kechuang.core.commands import AuditedCommand
from kechuang.core.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_users, load_reference_data


class Command(AuditedCommand):
    help = "载入基础数据和演示账号（每个角色一个）。可重复执行，不会产生重复数据。"

    def handle(self, *args, **options):
        plan = load_reference_data()
        load_demo_users()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{plan}"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {name}（{role.label}）")
