"""The data migrations that made stored phone numbers and e-mail addresses personal data: plain text left
by earlier versions is encrypted in place and the reverse migration gives it back; audit entries written
before keep what they recorded (their chain still verifies) and are shown masked."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from kechuang.audit import chain
from kechuang.audit.models import ChangeEntry
from kechuang.audit.snapshots import scope_path_of
from kechuang.core.personal import decrypt, is_token
from kechuang.enterprises.models import Submission
from kechuang.org.models import User

pytestmark = pytest.mark.django_db

EDITOR = SimpleNamespace(connection=connection)


def column(table: str, name: str, pk):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(name)} FROM {quote(table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def store_plain(table: str, name: str, pk, value: str) -> None:
    """A value as a version before encryption wrote it."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(table)} SET {quote(name)} = %s WHERE id = %s", [value, pk])


def old_entry(instance, before: dict, after: dict) -> ChangeEntry:
    """An audit entry as a version before masking wrote it: the plain values, chained."""
    row = {
        "action": "update",
        "content_type_id": ContentType.objects.get_for_model(type(instance)).pk,
        "object_id": str(instance.pk),
        "scope_path": scope_path_of(instance),
        "object_repr": "旧记录",
        "before": before,
        "after": after,
        "changed_fields": sorted(after),
    }
    (pk,) = chain.append(ChangeEntry, [row])
    return ChangeEntry.objects.get(pk=pk)


def test_the_user_migration_encrypts_stored_numbers_and_old_log_entries_show_masks(user, client_as):
    migration = import_module("kechuang.org.migrations.0004_personal_data_encrypted")
    jxw = user("jxw")
    store_plain("org_user", "phone", jxw.pk, "13811112222")
    store_plain("org_user", "email", jxw.pk, "jxw@kaizhou.gov.cn")
    entry = old_entry(jxw, {"phone": "13800000000"}, {"phone": "13811112222"})
    untouched = column("org_user", "phone", user("hanfeng").pk)

    migration.encrypt(apps, EDITOR)
    phone, email = column("org_user", "phone", jxw.pk), column("org_user", "email", jxw.pk)
    assert is_token(phone) and decrypt(phone) == "13811112222"
    assert is_token(email) and decrypt(email) == "jxw@kaizhou.gov.cn"
    assert User.objects.get(pk=jxw.pk).phone == "13811112222"
    assert column("org_user", "phone", user("hanfeng").pk) == untouched  # already encrypted: left alone
    entry.refresh_from_db()
    assert (
        entry.after == {"phone": "13811112222"} and chain.verify(ChangeEntry).broken is None
    )  # not rewritten
    page = client_as("shenji").get(f"/audit/changes/{entry.pk}/").content.decode()
    assert "138****2222" in page and "13811112222" not in page  # shown masked

    migration.decrypt(apps, EDITOR)
    assert column("org_user", "phone", jxw.pk) == "13811112222"
    migration.encrypt(apps, EDITOR)
    assert decrypt(column("org_user", "phone", jxw.pk)) == "13811112222"


def test_the_enterprise_migration_encrypts_contacts_and_proposals(user, client_as):
    migration = import_module("kechuang.enterprises.migrations.0004_personal_data_encrypted")
    enterprise = user("qiye").enterprises.get()
    store_plain("enterprises_enterprise", "contact_phone", enterprise.pk, "023-52201234")
    proposal = Submission.objects.create(enterprise=enterprise, kind="profile")
    Submission.objects.filter(pk=proposal.pk).update(
        values={"contact_phone": "13922223333", "contact_name": "李"}
    )
    ledger_entry = old_entry(enterprise, {"contact_phone": ""}, {"contact_phone": "023-52201234"})

    migration.encrypt(apps, EDITOR)
    stored = column("enterprises_enterprise", "contact_phone", enterprise.pk)
    assert is_token(stored) and decrypt(stored) == "023-52201234"
    proposal.refresh_from_db()
    assert is_token(proposal.values["contact_phone"]) and proposal.values["contact_name"] == "李"
    assert proposal.proposed()["contact_phone"] == "13922223333"
    ledger_entry.refresh_from_db()
    assert (
        ledger_entry.after == {"contact_phone": "023-52201234"} and chain.verify(ChangeEntry).broken is None
    )
    page = client_as("shenji").get(f"/audit/changes/{ledger_entry.pk}/").content.decode()
    assert "023*****1234" in page and "023-52201234" not in page

    migration.decrypt(apps, EDITOR)
    proposal.refresh_from_db()
    assert column("enterprises_enterprise", "contact_phone", enterprise.pk) == "023-52201234"
    assert proposal.values["contact_phone"] == "13922223333"
