"""The plan as a JSON-ready tree — one shape for the CLI, the API and the download button."""

from django.db.models import Prefetch

from .models import Indicator, Plan, Programme, Target, Task, json_number


def plan_queryset():
    return Plan.objects.select_related("department").prefetch_related(
        Prefetch(
            "programmes",
            queryset=Programme.objects.order_by("number").prefetch_related(
                Prefetch(
                    "tasks",
                    queryset=Task.objects.order_by("pk")
                    .select_related("lead_department")
                    .prefetch_related("co_departments"),
                ),
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.order_by("code")
                    .select_related("lead_department", "task")
                    .prefetch_related(
                        Prefetch("targets", queryset=Target.objects.order_by("year", "stretch", "pk")),
                        "baselines",
                    ),
                ),
            ),
        )
    )


def _target(target: Target, indicator: Indicator) -> dict:
    data = {
        "indicator": indicator.name,
        "year": target.year,
        "comparator": target.comparator,
        "stretch": target.stretch,
        "kind": indicator.kind,
        "span": target.span_dict(),
    }
    if target.is_relative:
        data.update({"base_year": target.base_year, "factor": json_number(target.factor)})
    else:
        data.update({"value": json_number(target.value), "unit": target.unit or indicator.unit})
    return data


def _indicator(indicator: Indicator) -> dict:
    targets = list(indicator.targets.all())
    spec = {
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "measurement": indicator.measurement,
        "metric": indicator.metric_key or None,
        "metric_params": indicator.metric_params or {},
        "definition": indicator.definition,
        "numerator": indicator.numerator_name or None,
        "denominator": indicator.denominator_name or None,
        "component_unit": indicator.component_unit or None,
        "lead": indicator.lead_department.name if indicator.lead_department else None,
        "task": indicator.task.code if indicator.task else None,
        "targets": [_target(t, indicator) for t in targets if not t.is_relative],
        "relative_targets": [_target(t, indicator) for t in targets if t.is_relative],
        "baselines": [
            {"year": b.year, "value": json_number(b.value), "note": b.note, "span": b.span_dict()}
            for b in indicator.baselines.all()
        ],
    }
    if indicator.reported_fallback:
        spec["reported_fallback"] = True
    return spec


def _task(task: Task) -> dict:
    return {
        "code": task.code,
        "title": task.title,
        "lead": task.lead_department.name,
        "co": [d.name for d in task.co_departments.all()],
        "start_year": task.start_year,
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "status": task.status,
        "completed_on": task.completed_on.isoformat() if task.completed_on else None,
        "span": task.span_dict(),
    }


def plan_tree(plan: Plan) -> dict:
    """Programmes → tasks and indicators → targets; plus a flat list of every absolute target."""
    programmes = []
    flat_targets = []
    for programme in plan.programmes.all():
        indicators = [_indicator(i) for i in programme.indicators.all()]
        for indicator in indicators:
            flat_targets.extend({"programme": programme.number, **t} for t in indicator["targets"])
        programmes.append(
            {
                "number": programme.number,
                "kind": programme.kind,
                "title": programme.title,
                "span": programme.span_dict(),
                "tasks": [_task(t) for t in programme.tasks.all()],
                "indicators": indicators,
            }
        )
    return {
        "plan": {
            "id": plan.pk,
            "doc_number": plan.doc_number,
            "title": plan.title,
            "issuer": plan.issuer,
            "issued_on": plan.issued_on.isoformat(),
            "period": [plan.period_start, plan.period_end],
            "region": plan.department.name,
        },
        "programmes": programmes,
        "targets": flat_targets,
    }
