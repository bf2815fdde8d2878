"""`kechuang personal status|rekey`: the encryption of personal data at rest (core/personal.py).

    kechuang personal status   # per field: values under the newest key, under older keys, in plain text
    kechuang personal rekey    # every value under the newest key of KECHUANG_DATA_KEY (docs/DEPLOY.md)

Rekeying rewrites ciphertext only — the values stay what they were, so no audit entry is written and the
data version does not move; it runs per table in one transaction and may be run again at any time.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from kechuang.core import personal


def _columns(model):
    return [(field.name, field.column) for field in personal.personal_fields(model).values()]


class Command(BaseCommand):
    help = "个人信息加密：status 查看各字段所用密钥，rekey 以最新密钥重新加密全部个人信息"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "rekey"])

    def handle(self, *args, action, **options):
        try:
            personal.cipher()
        except Exception as exc:
            raise CommandError(str(exc)) from None
        models = personal.personal_models()
        if action == "status":
            self._status(models)
        else:
            self._rekey(models)

    def _status(self, models):
        quote = connection.ops.quote_name
        older_total = plain_total = 0
        for model in models:
            table = model._meta.db_table
            for name, column in _columns(model):
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {quote(column)} FROM {quote(table)} "
                        f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
                    )
                    values = [row[0] for row in cursor.fetchall()]
                tokens = [v for v in values if personal.is_token(v)]
                newest = sum(1 for v in tokens if personal.under_newest(v))
                older, plain = len(tokens) - newest, len(values) - len(tokens)
                older_total, plain_total = older_total + older, plain_total + plain
                self.stdout.write(
                    f"{model._meta.label}.{name}：最新密钥 {newest}，旧密钥 {older}，未加密 {plain}"
                )
            for name in getattr(model, "personal_json", ()):
                older = sum(
                    personal.rekey_json(value)[1]
                    for value in model._base_manager.values_list(name, flat=True).iterator()
                )
                older_total += older
                self.stdout.write(f"{model._meta.label}.{name}（JSON 中的个人信息）：旧密钥 {older}")
        verdict = (
            "全部个人信息均以最新密钥加密。"
            if older_total == plain_total == 0
            else "请运行 kechuang personal rekey。"
        )
        self.stdout.write(verdict)

    def _rekey(self, models):
        total = 0
        for model in models:
            table, pk = model._meta.db_table, model._meta.pk.column
            with transaction.atomic():
                for name, column in _columns(model):
                    count = personal.rekey_column(connection, table, column, pk)
                    total += count
                    self.stdout.write(f"{model._meta.label}.{name}：重新加密 {count} 个值")
                for name in getattr(model, "personal_json", ()):
                    count = 0
                    rows = model._base_manager.values_list("pk", name)
                    for key, value in rows.iterator():
                        fresh, changed = personal.rekey_json(value)
                        if changed:
                            model._base_manager.filter(pk=key).update(**{name: fresh})
                            count += changed
                    total += count
                    self.stdout.write(f"{model._meta.label}.{name}（JSON）：重新加密 {count} 个值")
        self.stdout.write(
            self.style.SUCCESS(f"完成：共重新加密 {total} 个值，全部个人信息现以最新密钥加密。")
        )
