"""From a document to a plan: parse it into a draft, let the clerk correct each suggested target, then
create the Plan (programmes, tasks, indicators, targets with their spans) in one transaction."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.workflow import engine as workflow

from .choices import Comparator, IndicatorKind, ProgrammeKind
from .models import Indicator, Plan, PlanDraft, Programme, TargetSuggestion, Task
from .models import Target as TargetModel
from .parsing import ParsedPlan

FIELDS = (
    "indicator",
    "year",
    "value",
    "unit",
    "comparator",
    "stretch",
    "kind",
    "base_year",
    "responsible",
    "span",
)
OVERALL = "总体目标"


def drafting_regions(user):
    """Regions (district, city, province) the user may draft plans for."""
    return visible_to(
        user,
        Department.objects.filter(
            kind__in=[Department.Kind.DISTRICT, Department.Kind.CITY, Department.Kind.PROVINCE]
        ),
        Capability.CHANGE_PLAN,
    )


def programme_of(target: dict) -> str:
    """The programme a target belongs to: the second heading level when there is one (二、重点任务 → 1．科技
    企业成长工程), else its only heading; targets outside any heading belong to 总体目标."""
    path = target.get("section_path") or []
    if len(path) >= 2:
        return path[1]
    return path[0] if path else OVERALL


def task_of(target: dict) -> str | None:
    path = target.get("section_path") or []
    return path[2] if len(path) >= 3 else None


def create_draft(user, region: Department, parsed: ParsedPlan, filename: str = "") -> PlanDraft:
    if not drafting_regions(user).filter(pk=region.pk).exists():
        raise ActionRefused("您没有为该区域起草方案的权限。")
    found = parsed.as_dict()
    years = [t["year"] for t in found["targets"] if t["year"]]
    with audit_context(actor=user), transaction.atomic():
        draft = PlanDraft.objects.create(
            department=region,
            filename=filename[:200],
            source_text=parsed.text,
            title=found["title"][:300],
            doc_number=found["doc_number"][:100],
            issued_on=date.fromisoformat(found["issued_on"]) if found["issued_on"] else None,
            period_start=found["issue_year"] or (min(years) if years else None),
            period_end=found["horizon"] or (max(years) if years else None),
            parsed=found,
            created_by=user,
        )
        TargetSuggestion.objects.bulk_create(
            TargetSuggestion(
                draft=draft,
                position=number,
                suggested=target,
                final={k: target.get(k) for k in FIELDS},
                programme_title=programme_of(target)[:200],
            )
            for number, target in enumerate(found["targets"], 1)
        )
    return draft


def _editable(user, draft: PlanDraft) -> None:
    if not visible_to(user, PlanDraft.objects.filter(pk=draft.pk), Capability.CHANGE_PLAN).exists():
        raise ActionRefused("您没有修改该识别稿的权限。")
    if draft.status != PlanDraft.Status.DRAFT:
        raise ActionRefused(f"识别稿{draft.get_status_display()}，不能再修改。")


def _clean_row(number: int, row: dict) -> tuple[dict, list[str]]:
    """A row as typed in the table → final values, and the problems with it (Chinese, naming the row)."""
    label = f"第 {number} 行"
    if row.get("indicator"):
        label += f"（{row['indicator'][:20]}）"
    errors, final = [], {}
    final["indicator"] = (row.get("indicator") or "").strip()
    if not final["indicator"]:
        errors.append(f"{label}：请填写指标名称。")
    elif len(final["indicator"]) > 200:
        errors.append(f"{label}：指标名称不能超过 200 字。")
    for key, text in (("year", "目标年度"), ("base_year", "基期年度")):
        raw = str(row.get(key) or "").strip()
        if not raw:
            final[key] = None
            if key == "year":
                errors.append(f"{label}：请填写{text}。")
            continue
        if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
            errors.append(f"{label}：{text}“{raw}”应为 1990–2100 之间的年份。")
            final[key] = None
        else:
            final[key] = int(raw)
    raw_value = str(row.get("value") if row.get("value") is not None else "").strip().replace(",", "")
    try:
        value = Decimal(raw_value)
        if not value.is_finite() or value < 0 or value >= Decimal(10) ** 15:
            raise InvalidOperation
        final["value"] = float(value) if value != value.to_integral_value() else int(value)
    except InvalidOperation:
        errors.append(f"{label}：目标值“{raw_value}”不是有效的非负数字。")
        final["value"] = None
    final["unit"] = (row.get("unit") or "").strip()
    if not final["unit"] or len(final["unit"]) > 20:
        errors.append(f"{label}：请填写单位（不超过 20 字）。")
    final["comparator"] = row.get("comparator") or "eq"
    if final["comparator"] not in Comparator.values:
        errors.append(f"{label}：比较方式无效。")
    final["kind"] = row.get("kind") or "stock"
    if final["kind"] not in IndicatorKind.values:
        errors.append(f"{label}：指标类型无效。")
    final["stretch"] = bool(row.get("stretch"))
    final["responsible"] = (row.get("responsible") or "").strip()[:100] or None
    final["span"] = row.get("span") or ""
    if final["base_year"] is not None and final["year"] is not None and final["base_year"] >= final["year"]:
        errors.append(f"{label}：基期年度必须早于目标年度。")
    if final["base_year"] is not None and final["value"] == 0:
        errors.append(f"{label}：倍增目标的倍数必须大于 0。")
    return final, errors


def save_decisions(
    user, draft: PlanDraft, *, meta: dict, rows: dict[int, dict], added: list[dict]
) -> list[str]:
    """Store the clerk's corrections. `rows` maps suggestion position → the row as typed (with "include"),
    `added` are rows the clerk added. Returns the problems found (nothing is stored when there are any)."""
    _editable(user, draft)
    errors, updates = [], []
    suggestions = {s.position: s for s in draft.suggestions.all()}
    for position, row in sorted(rows.items()):
        suggestion = suggestions.get(position)
        if suggestion is None:
            raise ActionRefused("提交的目标不属于该识别稿。")
        if not row.get("include"):
            suggestion.decision = TargetSuggestion.Decision.REJECTED
            updates.append(suggestion)
            continue
        final, problems = _clean_row(position, row)
        errors += problems
        suggestion.final = final
        suggestion.programme_title = (row.get("programme") or suggestion.programme_title or OVERALL).strip()[
            :200
        ]
        original = {k: suggestion.suggested.get(k) for k in FIELDS}
        same = all(_same(original.get(k), final.get(k)) for k in FIELDS if k != "span")
        suggestion.decision = TargetSuggestion.Decision.ACCEPTED if same else TargetSuggestion.Decision.EDITED
        updates.append(suggestion)
    new_rows = []
    next_position = max(suggestions, default=0) + 1
    for offset, row in enumerate(added):
        if not any(str(row.get(k) or "").strip() for k in ("indicator", "value", "year")):
            continue
        final, problems = _clean_row(next_position + offset, row)
        errors += problems
        if final["span"] and final["span"] not in draft.source_text:
            errors.append(f"第 {next_position + offset} 行：原文片段在方案原文中找不到。")
        new_rows.append(
            TargetSuggestion(
                draft=draft,
                position=next_position + offset,
                final=final,
                decision=TargetSuggestion.Decision.ADDED,
                programme_title=(row.get("programme") or OVERALL).strip()[:200],
            )
        )
    meta_errors, meta_values = _clean_meta(meta)
    errors = meta_errors + errors
    if errors:
        return errors
    with audit_context(actor=user), transaction.atomic():
        for key, value in meta_values.items():
            setattr(draft, key, value)
        draft.save()
        for suggestion in updates:
            suggestion.save()
        TargetSuggestion.objects.bulk_create(new_rows)
    return []


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return Decimal(str(a)) == Decimal(str(b))
    return (a or None) == (b or None)


def _clean_meta(meta: dict) -> tuple[list[str], dict]:
    errors, values = [], {}
    values["title"] = (meta.get("title") or "").strip()
    if not values["title"]:
        errors.append("方案信息：请填写标题。")
    values["title"] = values["title"][:300]
    values["doc_number"] = (meta.get("doc_number") or "").strip()[:100]
    raw = (meta.get("issued_on") or "").strip()
    try:
        values["issued_on"] = date.fromisoformat(raw) if raw else None
    except ValueError:
        errors.append(f"方案信息：印发日期“{raw}”无效，应为 YYYY-MM-DD。")
    for key, text in (("period_start", "起始年度"), ("period_end", "截止年度")):
        raw = str(meta.get(key) or "").strip()
        if raw and (not raw.isdigit() or not 1990 <= int(raw) <= 2100):
            errors.append(f"方案信息：{text}“{raw}”应为 1990–2100 之间的年份。")
            continue
        values[key] = int(raw) if raw else None
    if (
        values.get("period_start")
        and values.get("period_end")
        and values["period_end"] < values["period_start"]
    ):
        errors.append("方案信息：截止年度不能早于起始年度。")
    return errors, values


def _unit_named(region: Department, name: str | None) -> Department | None:
    """The department in the region whose name matches the first unit of `name` (区科技局、区财政局 → 区科技局)."""
    if not name:
        return None
    first = re.split(r"[、，,;；/和及]", name)[0].strip()
    if not first:
        return None
    return (
        Department.objects.filter(path__startswith=region.path)
        .filter(models_q_name(first))
        .order_by("depth", "path")
        .first()
    )


def models_q_name(name: str):
    from django.db.models import Q

    return Q(name=name) | Q(short_name=name)


def confirm(user, draft: PlanDraft, *, issuer: str, activate: bool = False) -> Plan:
    """Create the plan from the accepted, edited and added targets. All or nothing."""
    _editable(user, draft)
    errors = []
    if not draft.title:
        errors.append("方案信息：请填写标题。")
    if not draft.issued_on:
        errors.append("方案信息：请填写印发日期。")
    if not draft.period_start or not draft.period_end:
        errors.append("方案信息：请填写起止年度。")
    if not issuer.strip():
        errors.append("方案信息：请填写发文机关。")
    doc_number = draft.doc_number or f"识别稿{draft.pk}"
    if Plan.objects.filter(department=draft.department, doc_number=doc_number).exists():
        errors.append(f"方案信息：文号“{doc_number}”的方案已经存在。")
    kept = [s for s in draft.suggestions.all() if s.decision != TargetSuggestion.Decision.REJECTED]
    for suggestion in kept:
        _, problems = _clean_row(suggestion.position, suggestion.final)
        errors += problems
    if not kept:
        errors.append("没有要生成的目标：请至少保留一个目标。")
    if errors:
        raise ValidationError(errors)
    fallback_lead = user.memberships.select_related("department").first()
    fallback_lead = fallback_lead.department if fallback_lead else draft.department
    with audit_context(actor=user, reason=f"由识别稿 {draft.pk} 生成"), transaction.atomic():
        plan = Plan.objects.create(
            department=draft.department,
            doc_number=doc_number,
            title=draft.title,
            issuer=issuer.strip()[:200],
            issued_on=draft.issued_on,
            period_start=draft.period_start,
            period_end=draft.period_end,
            source_text=draft.source_text,
            is_active=activate,
        )
        programmes: dict[str, Programme] = {}
        tasks: dict[tuple[str, str], Task] = {}
        indicators: dict[tuple[str, str, str], Indicator] = {}
        for suggestion in kept:
            values = suggestion.final
            programme = programmes.get(suggestion.programme_title)
            if programme is None:
                programme = Programme.objects.create(
                    plan=plan,
                    number=len(programmes) + 1,
                    kind=ProgrammeKind.PROGRAMME,
                    title=suggestion.programme_title,
                )
                programmes[suggestion.programme_title] = programme
            lead = _unit_named(draft.department, values.get("responsible"))
            task_title = task_of(suggestion.suggested) or suggestion.programme_title
            task = tasks.get((programme.title, task_title))
            if task is None:
                task = Task.objects.create(
                    programme=programme,
                    code=f"{programme.number}.{sum(1 for key in tasks if key[0] == programme.title) + 1}",
                    title=task_title[:200],
                    lead_department=lead or fallback_lead,
                    responsibility_note="" if lead else "原文未写明牵头单位，暂由起草单位承担，请分工后修改",
                    deadline=date(values["year"], 12, 31),
                )
                tasks[(programme.title, task_title)] = task
            key = (
                programme.title,
                values["indicator"],
                values["unit"] if not values.get("base_year") else "",
            )
            indicator = indicators.get(key)
            if indicator is None:
                same_programme = sum(1 for k in indicators if k[0] == programme.title)
                indicator = Indicator.objects.create(
                    programme=programme,
                    task=task,
                    code=f"{programme.number}-{same_programme + 1}",
                    name=values["indicator"][:200],
                    unit=values["unit"] if not values.get("base_year") else "",
                    kind=values["kind"],
                    lead_department=lead,
                )
                indicators[key] = indicator
            target = TargetModel(
                indicator=indicator,
                year=values["year"],
                comparator=values["comparator"],
                stretch=values["stretch"],
            )
            if values.get("base_year"):
                target.base_year, target.factor = values["base_year"], Decimal(str(values["value"]))
            else:
                target.value, target.unit = Decimal(str(values["value"])), values["unit"]
            start, end = _span_in(draft.source_text, suggestion)
            if start is not None:
                target.span_start, target.span_end, target.span_text = (
                    start,
                    end,
                    draft.source_text[start:end],
                )
            if not target.unit and not target.is_relative:
                target.unit = indicator.unit
            _save_target(target)
        workflow.perform(draft, "confirm", user, comment=f"生成方案“{plan.title}”", changes={"plan": plan})
    return plan


def _save_target(target: TargetModel) -> None:
    """Targets of the same indicator, year and kind (floor/stretch) are one row; a second one merges."""
    exists = TargetModel.objects.filter(
        indicator=target.indicator, year=target.year, stretch=target.stretch, base_year=target.base_year
    ).first()
    if exists is not None and exists.comparator == target.comparator:
        return
    target.full_clean(exclude=["indicator"])
    target.save()


def _span_in(text: str, suggestion: TargetSuggestion) -> tuple[int | None, int | None]:
    suggested = suggestion.suggested or {}
    span = suggestion.final.get("span") or ""
    start, end = suggested.get("start"), suggested.get("end")
    if start is not None and text[start:end] == span and span:
        return start, end
    if span:
        found = text.find(span)
        if found >= 0:
            return found, found + len(span)
    return None, None


def discard(user, draft: PlanDraft) -> None:
    _editable(user, draft)
    workflow.perform(draft, "discard", user)


def corpus_from_drafts(drafts) -> list[tuple[str, str, dict]]:
    """Confirmed drafts as labelled documents (corpus/LABELLING.md): the clerk's final targets are the
    gold, so what the parser missed or got wrong becomes a test of the next version."""
    documents = []
    for draft in drafts.filter(status=PlanDraft.Status.CONFIRMED).prefetch_related("suggestions"):
        targets = []
        for suggestion in draft.suggestions.all():
            if suggestion.decision == TargetSuggestion.Decision.REJECTED:
                continue
            final = dict(suggestion.final)
            start, end = _span_in(draft.source_text, suggestion)
            if start is None:
                continue  # a target typed in without its words in the text cannot be scored
            final["span"] = draft.source_text[start:end]
            targets.append({key: final.get(key) for key in FIELDS})
        documents.append((f"draft_{draft.pk}", draft.source_text, {"title": draft.title, "targets": targets}))
    return documents
