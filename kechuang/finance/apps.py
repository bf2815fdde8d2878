from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "kechuang.finance"
    label = "finance"
    verbose_name = "科技金融"
    demo_order = 35  # the site loads each app's demo.py (`load_demo(plan)`) in this order
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("finance/loans/", "kechuang.finance.urls"),  # 知识价值信用贷款
        ("finance/claims/", "kechuang.finance.claim_urls"),  # 风险补偿申请
        ("finance/seed/", "kechuang.finance.seed_urls"),  # 种子基金投资
        ("finance/banks/", "kechuang.finance.bank_urls"),  # 合作银行
    ]

    def ready(self) -> None:
        # the loans and seed investments carrying out a plan's tasks, for the plan's pages
        from .work import register

        register()
