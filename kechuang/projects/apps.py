from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "kechuang.projects"
    label = "projects"
    verbose_name = "科技项目"
    demo_order = 30  # the site loads each app's demo.py (`load_demo(plan)`) in this order
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("projects/", "kechuang.projects.urls"),
        ("calls/", "kechuang.projects.call_urls"),  # 申报指南
        ("projects/batches/", "kechuang.projects.batch_urls"),  # 立项批次
        ("projects/task-books/", "kechuang.projects.contract_urls"),  # 任务书
        ("projects/acceptances/", "kechuang.projects.acceptance_urls"),  # 结题验收
        ("projects/payments/", "kechuang.projects.payment_urls"),  # 资金拨付
        ("projects/interim-reports/", "kechuang.projects.interim_urls"),  # 中期检查 (the registry's list)
        ("public/publicity/", "kechuang.projects.public_urls"),  # 立项公示, without login
    ]

    def ready(self) -> None:
        # the calls and projects carrying out a plan's tasks, for the plan's pages (registered with plans)
        from .work import register

        register()
