"""Loading a plan definition (JSON) with its source text, locating every span in that text."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from kechuang.core.upsert import upsert
from kechuang.org.loading import find_department
from kechuang.org.models import Department

from .models import Baseline, Indicator, Plan, Programme, Target, Task

SEED_DIR = Path(__file__).resolve().parent / "seed"
# in a task's co-responsible units: every town (镇乡街道) directly under the plan's region
ALL_TOWNS = "各镇乡街道"
KAIZHOU_2021 = SEED_DIR / "kaizhou_2021_63.json"


class PlanDefinitionError(ValueError):
    pass


def locate(source: str, *, span: str | None = None, span_from: str | None = None, span_to: str | None = None):
    """(start, end, text) of a span given exactly, or from its first words to its last words."""
    if span is not None:
        count = source.count(span)
        if count != 1:
            raise PlanDefinitionError(f"原文片段“{span}”在原文中出现 {count} 次，应恰好 1 次。")
        start = source.index(span)
        return start, start + len(span), span
    if span_from is None or span_to is None:
        return None, None, ""
    if source.count(span_from) != 1:
        raise PlanDefinitionError(
            f"原文起始片段“{span_from}”在原文中出现 {source.count(span_from)} 次，应恰好 1 次。"
        )
    start = source.index(span_from)
    end_at = source.find(span_to, start)
    if end_at < 0:
        raise PlanDefinitionError(f"在“{span_from}”之后找不到结束片段“{span_to}”。")
    end = end_at + len(span_to)
    return start, end, source[start:end]


def _span_fields(source: str, spec: dict) -> dict:
    start, end, text = locate(
        source, span=spec.get("span"), span_from=spec.get("span_from"), span_to=spec.get("span_to")
    )
    return {"span_start": start, "span_end": end, "span_text": text}


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def load_plan(path: Path | str = KAIZHOU_2021) -> Plan:
    """Create or update a plan from its definition; loading the same file twice changes nothing."""
    path = Path(path)
    spec = json.loads(path.read_text(encoding="utf-8"))
    return load_plan_spec(spec, (path.parent / spec["source_file"]).read_text(encoding="utf-8"))


@transaction.atomic
def load_plan_spec(spec: dict, source: str) -> Plan:
    """The same from a definition already read (e.g. the Kaizhou plan given to another district)."""
    region = find_department(spec["department"])

    def unit(name: str):
        return find_department([*spec["department"], name])

    def units(name: str) -> list:
        if name == ALL_TOWNS:
            return list(Department.children_of(region).filter(kind=Department.Kind.TOWN))
        return [unit(name)]

    plan, _ = upsert(
        Plan,
        {"department": region, "doc_number": spec["doc_number"]},
        {
            "title": spec["title"],
            "issuer": spec["issuer"],
            "issued_on": date.fromisoformat(spec["issued_on"]),
            "period_start": spec["period_start"],
            "period_end": spec["period_end"],
            "source_text": source,
        },
    )
    for p_spec in spec["programmes"]:
        programme, _ = upsert(
            Programme,
            {"plan": plan, "number": p_spec["number"]},
            {"kind": p_spec["kind"], "title": p_spec["title"], **_span_fields(source, p_spec)},
        )
        tasks = {}
        for t_spec in p_spec["tasks"]:
            task, _ = upsert(
                Task,
                {"programme": programme, "code": t_spec["code"]},
                {
                    "title": t_spec["title"],
                    "description": t_spec.get("description", ""),
                    "lead_department": unit(t_spec["lead"]),
                    "responsibility_note": spec.get("responsibility_note", ""),
                    "start_year": t_spec.get("start_year"),
                    "deadline": date.fromisoformat(t_spec["deadline"]) if t_spec.get("deadline") else None,
                    **_span_fields(source, t_spec),
                },
            )
            wanted = {d.pk for name in t_spec.get("co", []) for d in units(name)}
            if set(task.co_departments.values_list("pk", flat=True)) != wanted:
                task.co_departments.set(wanted)
            tasks[t_spec["code"]] = task
        for i_spec in p_spec["indicators"]:
            indicator, _ = upsert(
                Indicator,
                {"programme": programme, "code": i_spec["code"]},
                {
                    "name": i_spec["name"],
                    "unit": i_spec["unit"],
                    "kind": i_spec["kind"],
                    "definition": i_spec.get("definition", ""),
                    "lead_department": unit(i_spec["lead"]) if i_spec.get("lead") else None,
                    "task": tasks.get(i_spec.get("task")),
                    "measurement": "computed" if i_spec.get("metric") else "reported",
                    "metric_key": i_spec.get("metric", ""),
                    "metric_params": i_spec.get("metric_params", {}),
                    "reported_fallback": bool(i_spec.get("reported_fallback")),
                    "numerator_name": i_spec.get("numerator") or "",
                    "denominator_name": i_spec.get("denominator") or "",
                    "component_unit": i_spec.get("component_unit") or "",
                },
            )
            for t in i_spec["targets"]:
                upsert(
                    Target,
                    {
                        "indicator": indicator,
                        "year": t["year"],
                        "stretch": t.get("stretch", False),
                        "base_year": None,
                    },
                    {
                        "value": _decimal(t["value"]),
                        "unit": t["unit"],
                        "comparator": t["comparator"],
                        "factor": None,
                        **_span_fields(source, t),
                    },
                )
            for t in i_spec.get("relative_targets", []):
                upsert(
                    Target,
                    {
                        "indicator": indicator,
                        "year": t["year"],
                        "stretch": t.get("stretch", False),
                        "base_year": t["base_year"],
                    },
                    {
                        "value": None,
                        "unit": "",
                        "factor": _decimal(t["factor"]),
                        "comparator": t["comparator"],
                        **_span_fields(source, t),
                    },
                )
            for b in i_spec.get("baselines", []):
                upsert(
                    Baseline,
                    {"indicator": indicator, "year": b["year"]},
                    {"value": _decimal(b.get("value")), "note": b.get("note", ""), **_span_fields(source, b)},
                )
    return plan
