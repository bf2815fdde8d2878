"""统一社会信用代码 check digits (GB 32100-2015), with property-based tests."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.enterprises import creditcode

# Published examples of valid codes (the standard's own sample and a large central enterprise).
VALID = ["91350100M000100Y43", "911100007109288314"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_validate(code):
    assert creditcode.validate(code) == code


def test_messy_input_is_normalised():
    assert creditcode.validate(" 91350100m000100y43\u3000") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "code, message",
    [
        ("91350100M000100Y4", "应为 18 位，实际 17 位"),
        ("91350100M000100Y44", "第 18 位应为“3”，实际为“4”"),
        ("91350100M0001OOY43", "不允许的字符：O"),
        ("", "实际 0 位"),
    ],
)
def test_invalid_codes_say_why(code, message):
    with pytest.raises(creditcode.CreditCodeError, match=message):
        creditcode.validate(code)


bodies = st.text(alphabet=creditcode.ALPHABET, min_size=8, max_size=8)
regions = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)


@given(regions, bodies)
def test_built_codes_always_validate(region, body):
    assert creditcode.is_valid(creditcode.build(region, body))


@given(regions, bodies, st.integers(min_value=0, max_value=16), st.sampled_from(creditcode.ALPHABET))
def test_any_single_character_change_is_detected(region, body, position, replacement):
    code = creditcode.build(region, body)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not creditcode.is_valid(changed)


@given(regions, bodies, st.integers(min_value=0, max_value=15))
def test_swapping_neighbours_is_detected(region, body, position):
    code = creditcode.build(region, body)
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert not creditcode.is_valid(swapped)
