"""The data migrations that made stored phone numbers and e-mail addresses personal data: plain text left
by earlier versions is encrypted in place, the audit log's plain copies become masks; the reverse migration
gives the plain text back."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from kechuang.audit.models import ChangeEntry
from kechuang.core.personal import decrypt, is_token
from kechuang.enterprises.models import Enterprise, Submission
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


def old_entry(model, pk, before: dict, after: dict) -> ChangeEntry:
    """An audit entry as a version before masking wrote it."""
    return ChangeEntry.objects.create(
        action="update",
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(pk),
        object_repr="旧记录",
        before=before,
        after=after,
        changed_fields=sorted(after),
    )


def test_the_user_migration_encrypts_stored_numbers_and_masks_the_logs_copies(user):
    migration = import_module("kechuang.org.migrations.0003_personal_data_encrypted")
    jxw = user("jxw")
    store_plain("org_user", "phone", jxw.pk, "13811112222")
    store_plain("org_user", "email", jxw.pk, "jxw@kaizhou.gov.cn")
    entry = old_entry(User, jxw.pk, {"phone": "13800000000"}, {"phone": "13811112222"})
    untouched = column("org_user", "phone", user("hanfeng").pk)

    migration.encrypt(apps, EDITOR)
    phone, email = column("org_user", "phone", jxw.pk), column("org_user", "email", jxw.pk)
    assert is_token(phone) and decrypt(phone) == "13811112222"
    assert is_token(email) and decrypt(email) == "jxw@kaizhou.gov.cn"
    assert User.objects.get(pk=jxw.pk).phone == "13811112222"
    assert column("org_user", "phone", user("hanfeng").pk) == untouched  # already encrypted: left alone
    entry.refresh_from_db()
    assert (entry.before, entry.after) == ({"phone": "138****0000"}, {"phone": "138****2222"})

    migration.decrypt(apps, EDITOR)
    assert column("org_user", "phone", jxw.pk) == "13811112222"
    migration.encrypt(apps, EDITOR)
    assert decrypt(column("org_user", "phone", jxw.pk)) == "13811112222"


def test_the_enterprise_migration_encrypts_contacts_and_proposals(user):
    migration = import_module("kechuang.enterprises.migrations.0004_personal_data_encrypted")
    enterprise = user("qiye").enterprises.get()
    store_plain("enterprises_enterprise", "contact_phone", enterprise.pk, "023-52201234")
    proposal = Submission.objects.create(enterprise=enterprise, kind="profile")
    Submission.objects.filter(pk=proposal.pk).update(
        values={"contact_phone": "13922223333", "contact_name": "李"}
    )
    ledger_entry = old_entry(
        Enterprise, enterprise.pk, {"contact_phone": ""}, {"contact_phone": "023-52201234"}
    )
    proposal_entry = old_entry(
        Submission, proposal.pk, {"values": {}}, {"values": {"contact_phone": "13922223333"}}
    )

    migration.encrypt(apps, EDITOR)
    stored = column("enterprises_enterprise", "contact_phone", enterprise.pk)
    assert is_token(stored) and decrypt(stored) == "023-52201234"
    proposal.refresh_from_db()
    assert is_token(proposal.values["contact_phone"]) and proposal.values["contact_name"] == "李"
    assert proposal.proposed()["contact_phone"] == "13922223333"
    ledger_entry.refresh_from_db()
    proposal_entry.refresh_from_db()
    assert ledger_entry.after == {"contact_phone": "023*****1234"}
    assert proposal_entry.after == {"values": {"contact_phone": "139****3333"}}

    migration.decrypt(apps, EDITOR)
    proposal.refresh_from_db()
    assert column("enterprises_enterprise", "contact_phone", enterprise.pk) == "023-52201234"
    assert proposal.values["contact_phone"] == "13922223333"
