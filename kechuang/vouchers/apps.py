from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "kechuang.vouchers"
    label = "vouchers"
    verbose_name = "科技创新券"
    demo_order = 65  # after the policies (a voucher type spends an article's budget)
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("vouchers/", "kechuang.vouchers.urls"),  # 兑付 (a service institution's page)
        ("vouchers/types/", "kechuang.vouchers.urls.types"),  # 创新券类型
        ("vouchers/providers/", "kechuang.vouchers.urls.providers"),  # 服务机构
        ("vouchers/list/", "kechuang.vouchers.urls.vouchers"),  # 创新券
    ]

    def ready(self) -> None:
        # redeemed and settled vouchers in their article's budget execution
        from .budget import register

        register()
        # the enterprise's vouchers on its 我的政策
        from kechuang.policies.views import MINE_SECTIONS

        from .views import mine_section

        if mine_section not in MINE_SECTIONS:
            MINE_SECTIONS.append(mine_section)
