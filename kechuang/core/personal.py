"""Personal data (个人信息): ID card numbers, phone numbers, personal e-mail, home addresses — encrypted at
rest and shown masked.

`PersonalField` is a model field whose column holds a Fernet token (AES-128-CBC with an HMAC-SHA256, from
the `cryptography` package) of the value; the model attribute is the plain text. The keys come from the
environment (`settings.KECHUANG_DATA_KEYS`, from `KECHUANG_DATA_KEY`: several keys, newest first — the
first encrypts, every one decrypts, so keys rotate without downtime; `kechuang personal rekey` re-encrypts
every stored value under the newest key, docs/DEPLOY.md). A value read from the database remembers its
token (`Plain`), so a record saved unchanged writes back the very same bytes.

Ciphertext cannot be searched: a PersonalField answers only `isnull` and `= ''` lookups and refuses any
other with a Chinese message rather than silently matching nothing. No code searches these fields (people
are found by user name and name, enterprises by name and credit code), so no blind index is kept.

Shown: `mask(kind, value)` — 手机 138****5678, 身份证 5001**********1234, 邮箱 z***@example.com, 地址 the
district and town kept, the rest hidden. `shown(obj, name)` gives the mask unless the page has revealed the
object's fields (`reveal`) after checking the viewer's right and recording the view (`kechuang/web/
personal.py`). A mask is never stored: the field refuses a value containing "*", and `unmask` turns a
posted or imported mask of the stored value back into the stored value (a form or a re-imported export
that shows masks changes nothing).

Values kept inside a JSON field (an enterprise's proposed contact phone in its submission) are sealed one by
one (`seal` / `unseal`); a model lists such JSON fields in `personal_json` so that rekeying reaches them and
the audit log redacts them.
"""

from __future__ import annotations

import functools
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import validators
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models.lookups import Exact
from django.db.models.query_utils import DeferredAttribute

KINDS = {
    "phone": "电话号码",
    "id_card": "身份证号",
    "email": "电子邮箱",
    "address": "地址",
    "bank_account": "银行账号",
}
REVEALED = "_personal_revealed"  # the attribute naming an object's fields shown in full on this page
TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp's high bytes)


class PersonalDataError(ImproperlyConfigured):
    """A stored value that cannot be read: the key it was encrypted with is not configured, or the value
    was written without encryption."""


# --- keys -------------------------------------------------------------------------------------------


def parse_keys(text: str) -> list[str]:
    """`KECHUANG_DATA_KEY` → its keys, newest first (comma-separated)."""
    return [key.strip() for key in (text or "").split(",") if key.strip()]


def key_problem(key: str) -> str | None:
    """Why `key` is not a Fernet key, or None."""
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return "应为 Fernet 密钥（32 字节随机数的 URL-safe Base64，44 个字符）"
    return None


@functools.cache
def _cipher(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = [Fernet(key.encode("ascii")) for key in keys]
    return MultiFernet(fernets), fernets[0]


def _keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "KECHUANG_DATA_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured(
            "未设置个人信息加密密钥：请设置环境变量 KECHUANG_DATA_KEY（docs/DEPLOY.md）。"
        )
    return keys


def cipher() -> MultiFernet:
    return _cipher(_keys())[0]


def newest() -> Fernet:
    return _cipher(_keys())[1]


# --- encrypting -------------------------------------------------------------------------------------


class Plain(str):
    """A decrypted value that remembers the token it was read from: written back unchanged, the stored
    ciphertext stays byte for byte what it was."""

    token: str | None = None

    def __new__(cls, text: str, token: str | None = None):
        value = super().__new__(cls, text)
        value.token = token
        return value

    def __reduce__(self):
        return (Plain, (str(self), self.token))


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX) and len(value) >= 100


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> Plain:
    if not is_token(token):
        raise PersonalDataError(
            "数据库中有未加密的个人信息：请运行 kechuang personal rekey 将其加密（docs/DEPLOY.md）。"
        )
    try:
        return Plain(cipher().decrypt(token.encode("ascii")).decode("utf-8"), token)
    except InvalidToken:
        raise PersonalDataError(
            "个人信息无法解密：KECHUANG_DATA_KEY 中没有加密它时所用的密钥（轮换密钥时旧密钥须保留在列表中，"
            "直至 kechuang personal rekey 运行完毕）。"
        ) from None


def seal(value):
    """The stored form of a personal value: its token (kept when the value was read and not changed);
    None and "" stay as they are."""
    if value is None or value == "":
        return value
    token = getattr(value, "token", None)
    return token if token else encrypt(str(value))


def unseal(value):
    """The plain text of a stored value (a token), None and "" as they are."""
    if value is None or value == "":
        return value
    return decrypt(value)


def under_newest(token: str) -> bool:
    try:
        newest().decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same value encrypted under the newest key (decrypted with whichever key encrypted it)."""
    try:
        return cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        decrypt(token)  # raises the Chinese explanation
        raise


# --- masks ------------------------------------------------------------------------------------------


def _keep(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:  # too short to keep both ends: at most the last two characters
        tail = min(2, len(text) // 3)
        return "*" * (len(text) - tail) + text[len(text) - tail :]
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def _mask_email(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return _keep(text, 1, 0)
    return f"{local[0]}***@{domain}"


# From the town down to the province: the address is kept up to the end of the first (smallest) unit named.
_UNITS = [
    re.compile(r"街道|镇|乡"),
    re.compile(r"(?<![小社园校景厂营])区|县|旗"),
    re.compile(r"市|州|盟"),
    re.compile(r"省|自治区"),
]


def _mask_address(text: str) -> str:
    end = 0
    for unit in _UNITS:
        found = unit.search(text)
        if found:
            end = found.end()
            break
    return text[:end] + ("****" if text[end:] else "")


_MASKS = {
    "phone": lambda text: _keep(text, 3, 4),
    "id_card": lambda text: _keep(text, 4, 4),
    "email": _mask_email,
    "address": _mask_address,
    "bank_account": lambda text: _keep(text, 0, 4),
}


def mask(kind: str, value):
    """The value as shown to whoever may not see it in full (None and "" as they are). A mask of a mask
    is itself."""
    if value is None or value == "":
        return value
    return _MASKS[kind](str(value))


def looks_masked(value) -> bool:
    return isinstance(value, str) and "*" in value


def refuse_masked(value) -> None:
    if looks_masked(value):
        raise ValidationError(
            "“%(value)s”是脱敏显示的值（含 *），不能作为新值保存：请填写完整的内容，或保持原样不改。",
            code="masked",
            params={"value": value},
        )


def unmask(kind: str, given, stored):
    """What a posted or imported value means: the stored value when `given` is its mask (the field was
    shown masked and left as it was), else `given` itself."""
    if stored and isinstance(given, str) and given.strip() == mask(kind, stored) and given.strip() != stored:
        return stored
    return given


# --- the model field --------------------------------------------------------------------------------


class SearchRefused(Exact):
    """`= ''` only: a token never equals another encryption of the same value."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(
                f"“{self.lhs.target.verbose_name}”是加密存储的个人信息，不能按内容查询（只能判断是否为空）。"
            )
        return super().get_prep_lookup()


READ = "_personal_read"  # an instance's values as read from the database (with their tokens)


class _Remembering(DeferredAttribute):
    """The field's attribute, remembering the value read from the database: set again to an equal plain
    string (a form's cleaned data), the record is still saved with the ciphertext it had."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        if isinstance(value, Plain) and value.token:
            instance.__dict__.setdefault(READ, {})[self.field.attname] = value


class PersonalField(models.CharField):
    """A personal value, encrypted at rest. `kind` (phone, id_card, email, address) decides its mask;
    `max_length` limits the plain text (the column is text: a token is ~100 characters and more)."""

    description = "个人信息（加密存储）"
    descriptor_class = _Remembering

    def __init__(self, *args, kind: str = "phone", **kwargs):
        if kind not in KINDS:
            raise ValueError(f"unknown personal data kind {kind!r}")
        self.kind = kind
        super().__init__(*args, **kwargs)
        if kind == "email":
            self.validators.append(validators.EmailValidator())
        self.validators.append(refuse_masked)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        return unseal(value)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        read = model_instance.__dict__.get(READ, {}).get(self.attname)
        if read is not None and value == read:
            return read  # unchanged: written back as the same ciphertext
        return value

    def get_prep_value(self, value):
        return seal(super().get_prep_value(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return SearchRefused
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # FieldError: Unsupported lookup

    def formfield(self, **kwargs):
        if self.kind == "email":
            from django import forms

            kwargs.setdefault("form_class", forms.EmailField)
        return super().formfield(**kwargs)


@functools.cache
def _personal_fields(model) -> dict[str, PersonalField]:
    return {f.name: f for f in model._meta.concrete_fields if isinstance(f, PersonalField)}


def personal_fields(model) -> dict[str, PersonalField]:
    """name → field of the model's personal fields (none for anything that is not a model)."""
    meta = getattr(model, "_meta", None)
    return _personal_fields(meta.concrete_model) if meta is not None else {}


def personal_models():
    """Every installed model with personal fields or JSON fields holding sealed values."""
    from django.apps import apps

    return [m for m in apps.get_models() if personal_fields(m) or getattr(m, "personal_json", ())]


# --- shown on a page --------------------------------------------------------------------------------


def reveal(obj, names) -> None:
    """Mark `obj`'s fields `names` as shown in full on this page (the caller has checked and recorded)."""
    setattr(obj, REVEALED, frozenset(getattr(obj, REVEALED, frozenset())) | frozenset(names))


def revealed(obj) -> frozenset:
    return getattr(obj, REVEALED, frozenset())


def shown(obj, name: str):
    """The value of a personal field as this page shows it: in full when revealed, else masked."""
    value = getattr(obj, name)
    if not value or name in revealed(obj):
        return value
    return mask(personal_fields(type(obj))[name].kind, value)


# --- bulk encryption (migrations, the rekey command) ----------------------------------------------


def encrypt_column(connection, table: str, column: str, pk: str = "id") -> int:
    """Encrypt the plain-text values left in a column (a migration making a field personal); tokens are
    left as they are. Returns how many values were encrypted."""
    return _rewrite(connection, table, column, pk, lambda v: None if is_token(v) else encrypt(v))


def decrypt_column(connection, table: str, column: str, pk: str = "id") -> int:
    """The reverse: tokens back to plain text (undoing such a migration)."""
    return _rewrite(connection, table, column, pk, lambda v: str(decrypt(v)) if is_token(v) else None)


def rekey_column(connection, table: str, column: str, pk: str = "id") -> int:
    """Every value of the column under the newest key; plain text left by an earlier version encrypted."""

    def fresh(value):
        if not is_token(value):
            return encrypt(value)
        return None if under_newest(value) else rotate(value)

    return _rewrite(connection, table, column, pk, fresh)


def _rewrite(connection, table: str, column: str, pk: str, change) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "
            f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
        )
        rows = cursor.fetchall()
        updates = []
        for key, value in rows:
            new = change(value)
            if new is not None:
                updates.append((new, key))
        if updates:
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s", updates
            )
    return len(updates)


def rekey_json(value):
    """(the JSON value with its sealed strings under the newest key, how many were re-encrypted)."""
    if isinstance(value, dict):
        pairs = [(k, rekey_json(v)) for k, v in value.items()]
        return {k: v for k, (v, _) in pairs}, sum(n for _, (_, n) in pairs)
    if isinstance(value, list):
        items = [rekey_json(v) for v in value]
        return [v for v, _ in items], sum(n for _, n in items)
    if is_token(value) and not under_newest(value):
        return rotate(value), 1
    return value, 0
