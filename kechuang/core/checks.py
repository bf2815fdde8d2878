"""System checks of the foundation: the personal-data keys (`kechuang check`, `migrate` and `check --deploy`
run them)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from .personal import key_problem


@register(Tags.security)
def data_keys(app_configs, **kwargs):
    keys = list(getattr(settings, "KECHUANG_DATA_KEYS", None) or [])
    if not keys:
        return [
            Error(
                "未设置个人信息加密密钥：请在环境变量 KECHUANG_DATA_KEY 中设置（docs/DEPLOY.md）。",
                hint='生成：python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"',
                id="kechuang.E001",
            )
        ]
    return [
        Error(f"KECHUANG_DATA_KEY 的第 {number} 个密钥无效：{problem}。", id="kechuang.E002")
        for number, key in enumerate(keys, start=1)
        if (problem := key_problem(key))
    ]


@register(Tags.security, deploy=True)
def development_data_key(app_configs, **kwargs):
    if settings.KECHUANG_DEVELOPMENT_DATA_KEY in (getattr(settings, "KECHUANG_DATA_KEYS", None) or []):
        return [
            Error(
                "个人信息正以开发用的公开密钥加密：生产环境必须在 KECHUANG_DATA_KEY 中设置自己的密钥。",
                id="kechuang.E003",
            )
        ]
    return []
