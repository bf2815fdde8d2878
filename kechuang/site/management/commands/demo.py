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
            help="province：另生成一个省级规模的数据集（40 个区县、10 万家企业、80 万条年度数据、5 万个科技项目、2.5 万项在线申报、1,000 位专家评审 2 万项（10 万份评分表）、100 万条以上审计记录）",
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（同一种子生成相同的数据）")
        parser.add_argument("--enterprises", type=int, default=100_000, help="省级数据集的企业数")
        parser.add_argument("--projects", type=int, default=50_000, help="省级数据集的科技项目数")
        parser.add_argument("--districts", type=int, default=40, help="省级数据集的区县数")
        parser.add_argument(
            "--applications", type=int, default=25_000, help="省级数据集的在线申报数（申报指南下的项目）"
        )
        parser.add_argument("--reviewed", type=int, default=20_000, help="其中进入专家评审的申报数")
        parser.add_argument("--experts", type=int, default=1_000, help="省级专家库的专家数")
        parser.add_argument("--experts-per-item", type=int, default=5, help="每个评审项目的专家人数")

    def handle(self, *args, **options):
        load_demo_data()
        if options["scale"] == "province":
            from kechuang.site.province import generate

            generate(
                seed=options["seed"],
                districts=options["districts"],
                enterprises=options["enterprises"],
                projects=options["projects"],
                applications=options["applications"],
                reviewed=options["reviewed"],
                experts=options["experts"],
                experts_per_item=options["experts_per_item"],
                log=self.stdout.write,
            )
        self.stdout.write(self.style.SUCCESS("演示数据已就绪：开州区方案、单位、演示账号与企业台账。"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {name}（{role.label}）")
