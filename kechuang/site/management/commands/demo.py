from kechuang.core.commands import AuditedCommand
from kechuang.site.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(AuditedCommand):
    help = "载入基础数据和演示账号（每个角色一个）。可重复执行，不会产生重复数据。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--scale",
            choices=["district", "province"],
            default="district",
            help="province：另生成一个省级规模的数据集（40 个区县、10 万家企业、80 万条年度数据、5 万个科技项目、100 万条以上审计记录）",
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（同一种子生成相同的数据）")
        parser.add_argument("--enterprises", type=int, default=100_000, help="省级数据集的企业数")
        parser.add_argument("--projects", type=int, default=50_000, help="省级数据集的科技项目数")

    def handle(self, *args, **options):
        load_demo_data()
        if options["scale"] == "province":
            from kechuang.site.province import generate

            generate(
                seed=options["seed"],
                enterprises=options["enterprises"],
                projects=options["projects"],
                log=self.stdout.write,
            )
        self.stdout.write(self.style.SUCCESS("演示数据已就绪：开州区方案、单位、演示账号与企业台账。"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {name}（{role.label}）")
