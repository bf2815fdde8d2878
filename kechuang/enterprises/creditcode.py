"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17.

Layout: 1 登记管理部门码, 2 机构类别码, 3–8 登记管理机关行政区划码, 9–17 主体标识码 (组织机构代码),
18 校验码. Characters come from a 31-symbol alphabet without I, O, S, V, Z.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, …


class CreditCodeError(ValueError):
    """Why a credit code is invalid, in Chinese."""


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Upper-case and strip spaces (full-width too) — what clerks paste from scanned licences."""
    return "".join((code or "").split()).replace("\u3000", "").upper()


def validate(code: str) -> str:
    """Return the normalised code or raise CreditCodeError saying what is wrong."""
    code = normalise(code)
    if len(code) != 18:
        raise CreditCodeError(f"统一社会信用代码应为 18 位，实际 {len(code)} 位。")
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise CreditCodeError(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）。")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"统一社会信用代码校验位错误：第 18 位应为“{expected}”，实际为“{code[17]}”。")
    return code


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except CreditCodeError:
        return False
    return True


def org_code_check(first8: str) -> str:
    """GB 11714 check character of a 组织机构代码 body (used to build realistic demo codes)."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first8, weights, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def build(region: str, body8: str, department: str = "9", category: str = "1") -> str:
    """A complete valid code from region (6 digits) and an 8-character organisation body."""
    first17 = f"{department}{category}{region}{body8}{org_code_check(body8)}"
    return first17 + check_character(first17)
