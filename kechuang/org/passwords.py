"""Password complexity as government information-security rules ask for it (等保: 三类以上字符)."""

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or c.isspace() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、特殊符号中的至少 %(n)d 类。",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with the message in Chinese (the stock catalogue lacks this string)."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


# Passwords people in Chinese offices pick that the English list does not know (compared after folding).
LOCAL_COMMON = {
    "woaini",
    "woaiwojia",
    "zhongguo",
    "chongqing",
    "kaizhou",
    "kechuang",
    "kejiju",
    "zhengfu",
    "mima",
    "zaq1xsw2",
    "qwer1234",
    "1qaz2wsx",
    "abcd1234",
    "aa123456",
    "a123456",
    "admin",
    "administrator",
    "root",
    "test",
    "guest",
    "welcome",
}


def fold(password: str) -> str:
    """What a guesser tries first: the word without its case and the digits or symbols around it
    ("Password123!" → "password", "@Admin2024" → "admin")."""
    text = password.strip().casefold()
    core = text.strip(string.digits + string.punctuation + " ")
    return core or text


class FoldedCommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Refuse a common password also when it is capitalised or has digits or symbols stuck on
    ("Password123!", "Admin@2024", "woaini1314")."""

    def validate(self, password: str, user=None) -> None:
        folded = fold(password)
        if folded in self.passwords or folded in LOCAL_COMMON or password.casefold() in self.passwords:
            raise ValidationError(
                "密码过于常见（去掉大小写和前后的数字、符号后是常用密码），请另选。",
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return "不能使用常见密码，加上大小写、数字或符号的常见密码也不行。"


class UsernamePasswordValidator:
    """Refuse a password built from the username (or the user's name in pinyin letters)."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        folded = fold(password)
        lowered = password.casefold()
        for value in (getattr(user, "username", ""), getattr(user, "email", "").split("@")[0]):
            value = (value or "").casefold()
            if len(value) < 3:
                continue
            if value in lowered or value[::-1] in lowered or folded in (value, value[::-1]):
                raise ValidationError("密码不能由用户名组成或包含用户名。", code="password_has_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名。"
