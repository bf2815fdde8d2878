"""Rule sets as data: the JSON files in rules/ are the shipped versions; the bureau can add newer ones."""

import json
from datetime import date
from pathlib import Path

from django.db import transaction

from kechuang.core.upsert import upsert

from .models import RuleSet

RULES_DIR = Path(__file__).resolve().parent / "rules"


@transaction.atomic
def load_rule_sets(directory: Path = RULES_DIR) -> list[RuleSet]:
    loaded = []
    for path in sorted(directory.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        rule_set, _ = upsert(
            RuleSet,
            {"code": spec["code"], "version": spec["version"]},
            {
                "title": spec["title"],
                "basis": spec.get("basis", ""),
                "effective_from": date.fromisoformat(spec["effective_from"]),
                "effective_to": date.fromisoformat(spec["effective_to"])
                if spec.get("effective_to")
                else None,
                "params": spec["params"],
            },
        )
        loaded.append(rule_set)
    return loaded


def params_for(code: str, on: date) -> dict:
    return RuleSet.active(code, on).params


QUALIFICATION_KINDS = [
    # code, name, validity years, valid through next 31 March, description
    (
        "cq_tech",
        "重庆市科技型企业",
        None,
        False,
        "重庆市科技型企业系统入库企业（每年更新数据，撤销前持续有效）",
    ),
    ("kxqy", "科技型中小企业", None, True, "全国科技型中小企业信息库入库登记编号，当年有效（至次年3月31日）"),
    ("hte", "高新技术企业", 3, False, "国家高新技术企业，证书有效期三年"),
    ("zjtx", "专精特新中小企业", 3, False, "重庆市“专精特新”中小企业"),
    ("gczkj", "高成长科技企业", None, False, "重庆市高成长科技企业"),
]


@transaction.atomic
def load_qualification_kinds():
    from .models import QualificationKind

    for order, (code, name, years, march, description) in enumerate(QUALIFICATION_KINDS):
        upsert(
            QualificationKind,
            {"code": code},
            {
                "name": name,
                "validity_years": years,
                "valid_through_next_march": march,
                "description": description,
                "sort_order": (order + 1) * 10,
            },
        )
