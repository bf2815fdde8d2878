from kechuang.core.commands import AuditedCommand
from kechuang.site.demo import load_reference_data


class Command(AuditedCommand):
    help = "载入基础数据：开州区单位树（区级部门和 40 个镇乡街道）与开州区科技创新“七大工程”行动方案。可重复执行。"

    def handle(self, *args, **options):
        plan = load_reference_data()
        self.stdout.write(self.style.SUCCESS(f"基础数据已就绪：{plan}"))
