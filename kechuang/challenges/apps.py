from django.apps import AppConfig


class ChallengesConfig(AppConfig):
    name = "kechuang.challenges"
    label = "challenges"
    verbose_name = "揭榜挂帅"
    demo_order = 40  # after the projects and the expert pool: its paid challenge becomes a project
    url_modules = [
        ("challenges/", "kechuang.challenges.urls"),  # 榜单
        ("challenges/bids/", "kechuang.challenges.bid_urls"),  # 揭榜方案
        ("public/challenges/", "kechuang.challenges.public_urls"),  # 榜单公开, without login
    ]

    def ready(self):
        from . import todos  # noqa: F401  (bidders' open lists, milestones to check)
        from .work import register

        register()  # the lists on the plan's task pages (plans.work)
