"""The built-in Kaizhou plan: every target and deliverable present, exact, and traceable to the text."""

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from kechuang.audit.models import ChangeEntry
from kechuang.org.models import Department, RoleGrant, User
from kechuang.plans.models import Baseline, Indicator, Plan, Programme, Target, Task
from kechuang.site.demo import load_demo_users, load_reference_data

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "kechuang" / "plans" / "seed" / "kaizhou_2021_63.txt"

# (year, indicator, value, unit, comparator, kind) — read off the plan text by hand
EXPECTED_TARGETS = {
    (2021, "新增科技型企业数", Decimal("50"), "家", "eq", "increment"),
    (2021, "新增高新技术企业数", Decimal("15"), "家", "eq", "increment"),
    (2025, "科技型企业数", Decimal("500"), "家", "gte", "stock"),
    (2025, "高新技术企业数", Decimal("100"), "家", "gte", "stock"),
    (2025, "新型研发机构数", Decimal("1"), "家", "gte", "stock"),
    (2021, "各类研发机构数", Decimal("40"), "家", "eq", "stock"),
    (2021, "科技服务机构数", Decimal("40"), "家", "eq", "stock"),
    (2025, "专业研发机构和科技服务机构数", Decimal("120"), "家", "gte", "stock"),
    (2021, "区级财政科技奖补资金兑现额", Decimal("2000"), "万元", "eq", "amount"),
    (2021, "全社会研发经费投入占GDP比重", Decimal("1.55"), "%", "eq", "ratio"),
}

# Every named deliverable, as a phrase its task must contain
DELIVERABLES = [
    "五年倍增计划",
    "分类指导",
    "市级高新区",
    "国家级高新区",
    "科技创新研发平台",
    "新型研发机构",
    "科技服务机构",
    "区级科技项目",
    "柴葛退热口服液",
    "高速覆铜板",
    "现代农业",
    "科技成果转化基金",
    "揭榜挂帅",
    "万达开区域协同创新专项资金",
    "万盛经开区、江津区",
    "高校院所",
    "渝东北特色生物资源开发利用工程技术研究中心",
    "易智网开州分公司",
    "重科检测研究院",
    "微植物研究中心",
    "住房保障、子女入学、法律服务",
    "柔性引才",
    "职业学校",
    "企业高管培训班",
    "若干财政金融政策",
    "财政奖补资金",
    "科技创新企业奖",
    "创新型企业家",
    "最美科技工作者",
    "典型案例",
    "市级科普基地",
    "进校园、进小区、进产业园区",
    "领导小组",
    "稳定增长机制",
    "加计扣除",
    "知识价值信用贷款",
    "研发经费投入强度",
    "目标考核",
]


@pytest.fixture
def plan():
    return Plan.objects.get(doc_number="开州府办发〔2021〕63号")


def test_plan_header(plan):
    assert plan.issuer == "重庆市开州区人民政府办公室"
    assert plan.issued_on.isoformat() == "2021-08-23"
    assert (plan.period_start, plan.period_end) == (2021, 2025)
    assert plan.source_text == SEED.read_text(encoding="utf-8")
    assert plan.department.name == "开州区"


def test_seven_programmes_and_safeguards(plan):
    programmes = list(plan.programmes.order_by("number").values_list("number", "kind", "title"))
    assert [t for _, _, t in programmes] == [
        "科技企业成长工程",
        "科技创新平台提升工程",
        "科技成果转化攻坚工程",
        "科技协同创新工程",
        "科技人才引育工程",
        "科技创新政策扶持工程",
        "科技创新氛围优化工程",
        "保障措施",
    ]
    assert [k for _, k, _ in programmes] == ["programme"] * 7 + ["safeguard"]


def test_all_ten_quantitative_targets_exactly(plan):
    targets = Target.objects.filter(indicator__programme__plan=plan, base_year__isnull=True).select_related(
        "indicator"
    )
    found = {(t.year, t.indicator.name, t.value, t.unit, t.comparator, t.indicator.kind) for t in targets}
    assert found == EXPECTED_TARGETS


def test_doubling_plan_is_a_relative_target(plan):
    relative = Target.objects.filter(indicator__programme__plan=plan, base_year__isnull=False)
    assert {(t.indicator.name, t.year, t.base_year, t.factor) for t in relative} == {
        ("科技型企业数", 2025, 2020, Decimal("2")),
        ("高新技术企业数", 2025, 2020, Decimal("2")),
    }
    assert all(t.value is None and "五年倍增计划" in t.span_text for t in relative)
    assert Baseline.objects.filter(indicator__name="科技型企业数", year=2020).exists()


def test_every_span_is_the_exact_source_text(plan):
    source = plan.source_text
    spans = [
        *Programme.objects.filter(plan=plan),
        *Task.objects.filter(programme__plan=plan),
        *Target.objects.filter(indicator__programme__plan=plan),
    ]
    for item in spans:
        assert item.span_text, item
        assert source[item.span_start : item.span_end] == item.span_text, item
    value_spans = {t.span_text for t in Target.objects.filter(base_year__isnull=True)}
    assert "2021年新增科技型企业50家" in value_spans
    assert "2021年全社会研发经费投入占GDP比重提高到1.55%" in value_spans


def test_every_named_deliverable_is_a_task_with_a_lead_unit(plan):
    tasks = list(Task.objects.filter(programme__plan=plan).select_related("lead_department"))
    for phrase in DELIVERABLES:
        matching = [t for t in tasks if phrase in t.title or phrase in t.span_text]
        assert matching, phrase
    assert all(t.lead_department.kind in ("department", "unit") for t in tasks)
    assert Task.objects.get(code="2.1").deadline.isoformat() == "2021-12-31"


def test_kaizhou_has_forty_towns_and_the_plan_departments():
    district = Department.objects.get(name="开州区")
    towns = Department.objects.filter(path__startswith=district.path, kind="town")
    assert towns.count() == 40
    assert towns.filter(name__endswith="街道").count() == 7
    assert towns.filter(name__endswith="镇").count() == 26
    assert towns.filter(name__endswith="乡").count() == 7
    for name in ["区科技局", "区财政局", "区经济信息委", "区科协", "区统计局"]:
        assert Department.objects.filter(
            path__startswith=district.path, name=name, kind="department"
        ).exists()
    assert district.code == "500154" and Department.objects.get(name="重庆市").code == "500000"


def test_loading_twice_changes_nothing():
    def counts():
        return [
            m.objects.count()
            for m in (
                Department,
                Plan,
                Programme,
                Task,
                Indicator,
                Target,
                Baseline,
                User,
                RoleGrant,
                ChangeEntry,
            )
        ]  # noqa: E731

    before = counts()
    load_reference_data()
    load_demo_users()
    assert counts() == before


def test_plan_export_json_cli_lists_every_target():
    out = io.StringIO()
    call_command("plan", "export", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [p["title"] for p in data["programmes"]][:7][0] == "科技企业成长工程"
    assert len(data["programmes"]) == 8
    flat = {
        (t["year"], t["indicator"], Decimal(str(t["value"])), t["unit"], t["comparator"], t["kind"])
        for t in data["targets"]
    }
    assert flat == EXPECTED_TARGETS
    nested = [t for p in data["programmes"] for i in p["indicators"] for t in i["targets"]]
    assert len(nested) == 10
    assert all(t["span"]["text"] for t in nested)
    first = next(t for t in nested if t["value"] == 1.55)
    assert first["unit"] == "%" and first["comparator"] == "eq" and first["kind"] == "ratio"
    relative = [t for p in data["programmes"] for i in p["indicators"] for t in i["relative_targets"]]
    assert {(t["year"], t["base_year"], t["factor"]) for t in relative} == {(2025, 2020, 2)}


def test_kechuang_entry_point_exports_the_plan(tmp_path):
    """The installed `kechuang` command itself, as a clerk would run it."""
    db = tmp_path / "cli.sqlite3"
    env = {
        "PATH": str(Path(sys.executable).parent),
        "KECHUANG_SQLITE_PATH": str(db),
        "HOME": str(tmp_path),
        "KECHUANG_DATA_DIR": str(tmp_path),
    }
    kechuang = str(Path(sys.executable).parent / "kechuang")
    for args in (["migrate", "-v0"], ["setup"]):
        subprocess.run([kechuang, *args], env=env, check=True, capture_output=True, timeout=300)
    result = subprocess.run(
        [kechuang, "plan", "export", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(result.stdout)
    assert len(data["targets"]) == 10
    text = subprocess.run([kechuang, "plan", "export"], env=env, capture_output=True, text=True, timeout=120)
    assert "目标 2021 新增科技型企业数 = 50家" in text.stdout
