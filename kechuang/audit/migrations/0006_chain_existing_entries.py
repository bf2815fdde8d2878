"""Chain the entries written before the logs were chained, in id order, with the key configured now."""

from django.db import migrations


def chain_existing(apps, schema_editor):
    from kechuang.audit import chain

    connection = schema_editor.connection
    for name in ("ChangeEntry", "LoginEvent"):
        model = apps.get_model("audit", name)
        table = model._meta.db_table
        names = chain.chained_fields(model)
        previous = chain.GENESIS
        updates = []
        for row in model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=2000):
            values = dict(zip(names, row, strict=True))
            digest = chain.link(model, previous, values)
            updates.append((previous, digest, values["id"]))
            previous = digest
        with connection.cursor() as cursor:
            sql = f"UPDATE {connection.ops.quote_name(table)} SET prev_hash = %s, hash = %s WHERE id = %s"
            for start in range(0, len(updates), 5000):
                cursor.executemany(sql, updates[start : start + 5000])


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_hash_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
