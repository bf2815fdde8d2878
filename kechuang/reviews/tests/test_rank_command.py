"""`kechuang review rank`: the command run as it is from the shell, and the worked example of docs/REVIEW.md."""

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "REVIEW.md"
EXAMPLE = ROOT / "docs" / "review-example.json"

# criteria: q (weight 0.6 of 10) and r (0.4 of 5): a total is 0.6 × q/10 × 100 + 0.4 × r/5 × 100 = 6q + 8r
GOOD = {
    "criteria": [{"key": "q", "weight": 0.6, "max": 10}, {"key": "r", "weight": 0.4, "max": 5}],
    "experts": [{"id": 1, "organisation": "甲大学"}, {"id": 2, "organisation": "乙公司"}, {"id": "专家C"}],
    "items": [{"id": "A", "organisations": ["乙公司 "]}, {"id": "B"}, {"id": 7}],
    "scores": [
        {"expert": 1, "item": "A", "scores": {"q": 8, "r": 4}},  # 48 + 32 = 80
        {"expert": 2, "item": "A", "scores": {"q": 10, "r": 5}},  # 100, but 乙公司 is A's: excluded
        {"expert": "专家C", "item": "A", "scores": {"q": 5, "r": 2.5}},  # 30 + 20 = 50
        {"expert": 1, "item": "B", "scores": {"q": 9, "r": 3}},  # 54 + 24 = 78
        {"expert": "专家C", "item": "B", "scores": {"q": 7.5, "r": 5}},  # 45 + 40 = 85
    ],
}
# --method mean --threshold 25:
# A: 80, 50 → n 2, mean 65 (fewer than 5: trimmed 65), spread 30 > 25 → disagreement
# B: 78, 85 → mean 81.5, spread 7
# expert 1: 80, 78 → mean 79, σ √((1 + 1) / 2) = 1 → z A +1, B −1
# expert 专家C: 50, 85 → mean 67.5, σ 17.5 → z A −1, B +1; expert 2 has no counted sheet
# z: A (1 − 1) / 2 = 0, B (−1 + 1) / 2 = 0. By mean: B 1, A 2; item 7 has no sheet: unranked, last.
GOOD_OUTPUT = {
    "items": [
        {
            "id": "B",
            "n": 2,
            "mean": 81.5,
            "trimmed": 81.5,
            "zscore": 0.0,
            "spread": 7.0,
            "disagreement": False,
            "rank": 1,
        },
        {
            "id": "A",
            "n": 2,
            "mean": 65.0,
            "trimmed": 65.0,
            "zscore": 0.0,
            "spread": 30.0,
            "disagreement": True,
            "rank": 2,
        },
        {
            "id": 7,
            "n": 0,
            "mean": None,
            "trimmed": None,
            "zscore": None,
            "spread": None,
            "disagreement": False,
            "rank": None,
        },
    ],
    "excluded": [{"expert": 2, "item": "A", "reason": "same_organisation"}],
}


def kechuang(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DATABASE_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kechuang.settings_test",
        KECHUANG_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "review", "rank", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(tmp_path, content, name="round.json"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), "utf-8")
    return path


def test_the_command_prints_the_rounds_figures_as_json(tmp_path):
    done = kechuang(tmp_path, str(write(tmp_path, GOOD)), "--method", "mean", "--threshold", "25", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == json.dumps(GOOD_OUTPUT, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize(
    "content, message",
    [
        (
            {**GOOD, "scores": [{"expert": 1, "item": "A", "scores": {"q": 11, "r": 4}}]},
            "专家“1”对评审项目“A”的评分表中评分项“q”的得分 11 超出 0–10 的范围。",
        ),
        ('{"criteria": [', "不是有效的 JSON"),
        ([GOOD], "输入应为 JSON 对象"),
        ({k: v for k, v in GOOD.items() if k != "items"}, "输入缺少“items”。"),
    ],
    ids=["invalid round", "not JSON", "an array", "no items"],
)
def test_bad_input_exits_with_status_2_and_says_why(tmp_path, content, message):
    done = kechuang(tmp_path, str(write(tmp_path, content)), "--json")
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and done.stdout == ""


def test_a_file_that_cannot_be_read_exits_with_status_2(tmp_path):
    done = kechuang(tmp_path, str(tmp_path / "missing.json"))
    assert done.returncode == 2 and "无法读取输入文件" in done.stderr
    (tmp_path / "latin1.json").write_bytes('{"criteria": "é"}'.encode("latin-1"))
    done = kechuang(tmp_path, str(tmp_path / "latin1.json"))
    assert done.returncode == 2 and "无法读取输入文件" in done.stderr


def test_a_negative_threshold_is_refused(tmp_path):
    done = kechuang(tmp_path, str(write(tmp_path, GOOD)), "--threshold", "-1")
    assert done.returncode == 2 and "分歧阈值不能为负数" in done.stderr


def run(*args) -> str:
    out = StringIO()
    call_command("review", "rank", *args, stdout=out)
    return out.getvalue()


def test_the_readable_table(tmp_path):
    text = run(str(write(tmp_path, GOOD)), "--method", "mean", "--threshold", "25")
    lines = text.splitlines()
    assert lines[0] == "按平均分排名（分歧阈值：极差超过 25 分）"
    assert lines[1].split() == [
        "排名",
        "评审项目",
        "有效评分表",
        "平均分",
        "截尾平均分",
        "标准分",
        "极差",
        "分歧",
    ]
    assert lines[2].split() == ["1", "B", "2", "81.5000", "81.5000", "0.0000", "7.0000"]
    assert lines[3].split() == ["2", "A", "2", "65.0000", "65.0000", "0.0000", "30.0000", "是"]
    assert lines[4].split() == ["—", "7", "0", "—", "—", "—", "—"]
    assert lines[5:] == ["回避（不计入任何统计）：", "  专家 2 — 评审项目 A：同单位"]


def test_the_error_carries_status_2_in_process(tmp_path):
    with pytest.raises(CommandError) as caught:
        run(str(write(tmp_path, {**GOOD, "experts": GOOD["experts"] * 2})))
    assert caught.value.returncode == 2
    assert "专家“1”重复出现。" in str(caught.value)


def _doc_json() -> dict:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(
        r"`kechuang review rank docs/review-example\.json --json` prints:\s*```json\n(.*?)```", text, re.S
    )
    assert block, "docs/REVIEW.md: the example's JSON block is missing"
    return json.loads(block.group(1))


def test_the_worked_example_in_the_docs_is_what_the_command_prints():
    printed = json.loads(run(str(EXAMPLE), "--json"))
    assert printed == _doc_json()
    # and the doc's readable table too
    text = DOC.read_text(encoding="utf-8")
    table = re.search(r"Without\s+`--json`:\s*```\n(.*?)```", text, re.S).group(1)
    assert run(str(EXAMPLE)) == table


def test_the_worked_example_by_hand():
    # docs/REVIEW.md steps 3–5, independently of the doc's JSON block
    items = {row["id"]: row for row in json.loads(run(str(EXAMPLE), "--json"))["items"]}
    assert (items[103]["mean"], items[103]["trimmed"], items[103]["spread"]) == (81, 80, 26)  # 486/6; 320/4
    assert (items[101]["mean"], items[101]["trimmed"]) == (77.5, 77.5)  # 310/4, fewer than 5
    assert (items[102]["mean"], items[102]["trimmed"]) == (67.5, 67.5)  # 270/4
    assert [items[i]["disagreement"] for i in (101, 102, 103)] == [False, False, True]
    assert [items[i]["zscore"] for i in (101, 102, 103)] == [0.0932, -0.8013, 0.4721]
