from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "kechuang.progress"
    label = "progress"
    verbose_name = "进度监测"
