"""Personal data at rest: ciphertext in the columns (read with SQL), masks, lookups refused, keys rotated and
old data still readable, the system checks, the bulk writer encrypting too."""

import io
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import connection, transaction

from kechuang.core import checks
from kechuang.core.bulkwrite import insert
from kechuang.core.personal import PersonalDataError, is_token, mask, seal, unmask
from kechuang.enterprises.models import Enterprise, Submission
from kechuang.org.models import User

pytestmark = pytest.mark.django_db


def raw(model, column: str, pk) -> str:
    """The column as the database holds it."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_masks_keep_what_identifies_nobody():
    assert mask("phone", "13812345678") == "138****5678"
    assert mask("phone", "023-52200000") == "023*****0000"
    assert mask("id_card", "500154199001011234") == "5001**********1234"
    assert mask("email", "zhangsan@example.com") == "z***@example.com"
    assert mask("address", "重庆市开州区汉丰街道盛山路88号3栋2单元") == "重庆市开州区汉丰街道****"
    assert mask("address", "开州区盛山小区5栋") == "开州区****"  # 小区 is no district
    assert mask("address", "盛山路88号") == "****"
    assert mask("phone", "110") == "**0"  # short: at most the last characters
    assert mask("phone", "") == "" and mask("phone", None) is None
    for kind, value in [
        ("phone", "13812345678"),
        ("id_card", "500154199001011234"),
        ("email", "zhangsan@example.com"),
        ("address", "重庆市开州区汉丰街道盛山路88号"),
    ]:
        assert mask(kind, mask(kind, value)) == mask(kind, value)  # a mask of a mask is itself


def test_a_phone_number_is_ciphertext_in_its_column_and_plain_on_the_record(user):
    hanfeng = user("hanfeng")
    stored = raw(User, "phone", hanfeng.pk)
    assert is_token(stored) and hanfeng.phone not in stored and "1380235" not in stored
    hanfeng.phone = "13912345678"
    hanfeng.save()
    written = raw(User, "phone", hanfeng.pk)
    assert is_token(written) and "13912345678" not in written and written != stored
    assert User.objects.get(pk=hanfeng.pk).phone == "13912345678"
    again = User.objects.get(pk=hanfeng.pk)
    again.save()  # saved unchanged: the very same ciphertext, not a new encryption of the same value
    assert raw(User, "phone", hanfeng.pk) == written
    enterprise = Enterprise.objects.exclude(contact_phone="").order_by("pk").first()
    column = raw(Enterprise, "contact_phone", enterprise.pk)
    assert is_token(column) and enterprise.contact_phone not in column


def test_e_mail_is_encrypted_too(user):
    tjj = user("tjj")
    tjj.email = "tjj@kaizhou.gov.cn"
    tjj.save()
    assert is_token(raw(User, "email", tjj.pk)) and "kaizhou" not in raw(User, "email", tjj.pk)
    assert User.objects.get(pk=tjj.pk).email == "tjj@kaizhou.gov.cn"
    tjj.email = "不是邮箱"
    with pytest.raises(ValidationError):
        tjj.full_clean(exclude=["password"])


def test_searching_ciphertext_is_refused_with_a_reason_not_answered_empty(user):
    with pytest.raises(FieldError, match="加密存储的个人信息，不能按内容查询"):
        list(User.objects.filter(phone=user("hanfeng").phone))
    with pytest.raises(FieldError):
        list(Enterprise.objects.filter(contact_phone__icontains="139"))
    assert not User.objects.filter(username="hanfeng", phone="").exists()
    assert User.objects.filter(username="hanfeng", phone__isnull=False).exists()


def test_a_mask_is_never_stored_and_a_mask_of_the_stored_value_means_unchanged(user):
    hanfeng = user("hanfeng")
    hanfeng.phone = mask("phone", hanfeng.phone)
    with pytest.raises(ValidationError, match="脱敏显示的值"):
        hanfeng.full_clean(exclude=["password"])
    stored = user("hanfeng").phone
    assert unmask("phone", mask("phone", stored), stored) == stored
    assert unmask("phone", "13900000000", stored) == "13900000000"
    assert unmask("phone", "139****0000", stored) == "139****0000"  # not its mask: refused on save
    assert unmask("phone", "", stored) == ""  # cleared


def test_rotating_keys_old_data_still_reads_and_rekey_moves_everything_to_the_newest(settings, user):
    old = settings.KECHUANG_DATA_KEYS[0]
    new = Fernet.generate_key().decode()
    own = user("qiye").enterprises.get()
    Submission.objects.create(enterprise=own, kind="profile", values={"contact_phone": seal("13511112222")})
    phone = user("hanfeng").phone
    settings.KECHUANG_DATA_KEYS = [new, old]  # the new key first: it encrypts, both decrypt
    assert User.objects.get(username="hanfeng").phone == phone  # written under the old key, still read
    kjj = User.objects.get(username="kjj")
    kjj.phone = "13700001111"
    kjj.save()
    Fernet(new.encode()).decrypt(raw(User, "phone", kjj.pk).encode())  # new writes: the new key

    out = io.StringIO()
    call_command("personal", "status", stdout=out)
    assert "旧密钥" in out.getvalue() and "请运行 kechuang personal rekey" in out.getvalue()
    with transaction.atomic():
        call_command("personal", "rekey", stdout=io.StringIO())
    newest = Fernet(new.encode())
    for model, column in [(User, "phone"), (Enterprise, "contact_phone")]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE {column} <> ''")
            for (token,) in cursor.fetchall():
                newest.decrypt(token.encode())  # every value readable by the newest key alone
    for submission in Submission.objects.filter(kind="profile"):
        if submission.values.get("contact_phone"):
            newest.decrypt(submission.values["contact_phone"].encode())
    out = io.StringIO()
    call_command("personal", "status", stdout=out)
    assert "全部个人信息均以最新密钥加密" in out.getvalue()

    settings.KECHUANG_DATA_KEYS = [new]  # the old key retired
    assert User.objects.get(username="hanfeng").phone == phone
    assert User.objects.get(username="kjj").phone == "13700001111"
    assert Submission.objects.filter(kind="profile").latest("pk").proposed()["contact_phone"] == "13511112222"
    settings.KECHUANG_DATA_KEYS = [Fernet.generate_key().decode()]  # a key that never encrypted it
    with pytest.raises(PersonalDataError, match="无法解密"):
        User.objects.get(username="hanfeng")


def test_the_checks_refuse_a_missing_bad_or_development_key(settings):
    settings.KECHUANG_DATA_KEYS = []
    assert [e.id for e in checks.data_keys(None)] == ["kechuang.E001"]
    settings.KECHUANG_DATA_KEYS = [Fernet.generate_key().decode(), "too-short"]
    found = checks.data_keys(None)
    assert [e.id for e in found] == ["kechuang.E002"] and "第 2 个密钥" in found[0].msg
    settings.KECHUANG_DATA_KEYS = [settings.KECHUANG_DEVELOPMENT_DATA_KEY]
    assert checks.data_keys(None) == []  # development and tests
    assert [e.id for e in checks.development_data_key(None)] == ["kechuang.E003"]  # check --deploy
    settings.KECHUANG_DATA_KEYS = [Fernet.generate_key().decode(), settings.KECHUANG_DEVELOPMENT_DATA_KEY]
    assert [e.id for e in checks.development_data_key(None)] == ["kechuang.E003"]
    settings.KECHUANG_DATA_KEYS = [Fernet.generate_key().decode()]
    assert checks.data_keys(None) == [] and checks.development_data_key(None) == []


def test_the_bulk_writer_encrypts_personal_values(dept):
    from kechuang.enterprises.creditcode import build

    with transaction.atomic():
        [pk] = insert(
            Enterprise,
            [
                {
                    "credit_code": build("500154", "MA6XPD01"),
                    "name": "批量写入测试企业",
                    "town_id": dept("汉丰街道").pk,
                    "registered_on": date(2020, 1, 1),
                    "contact_phone": "13600001234",
                }
            ],
        )
    assert is_token(raw(Enterprise, "contact_phone", pk)) and "13600001234" not in raw(
        Enterprise, "contact_phone", pk
    )
    assert Enterprise.objects.get(pk=pk).contact_phone == "13600001234"
