from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "kechuang.policies"
    label = "policies"
    verbose_name = "科技创新政策扶持"
    demo_order = 60  # after enterprises, platforms and the plan's progress rounds
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("policies/", "kechuang.policies.urls"),
        ("policies/documents/", "kechuang.policies.urls.documents"),  # 政策文件
        ("policies/instruments/", "kechuang.policies.urls.instruments"),  # 政策条款
        ("policies/rounds/", "kechuang.policies.urls.rounds"),  # 免申即享名单
        ("policies/windows/", "kechuang.policies.urls.windows"),  # 申报批次
        ("policies/applications/", "kechuang.policies.urls.applications"),  # 政策兑现申请
        ("policies/grants/", "kechuang.policies.urls.grants"),  # 奖补兑现
        ("policies/payments/", "kechuang.policies.urls.disbursements"),  # 奖补拨付
        ("public/policies/", "kechuang.policies.public_urls"),  # the policies, without login
    ]
