from django import template

from .. import engine
from ..views import transition_form

register = template.Library()


@register.inclusion_tag("workflow/panel.html", takes_context=True)
def workflow_panel(context, obj, title="办理"):
    """The object's state, the transitions the user may take now (each a small form) and its timeline."""
    request = context["request"]
    wf = engine.workflow_of(obj)
    actions = [
        {"transition": t, "form": transition_form(t, auto_id=f"id_{t.name}_%s")}
        for t in engine.available(obj, request.user)
    ]
    return {
        "obj": obj,
        "title": title,
        "model_label": obj._meta.label_lower,
        "state_label": wf.label(wf.state_of(obj)),
        "state": wf.state_of(obj),
        "actions": actions,
        "events": engine.history(obj),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("workflow/timeline.html")
def workflow_timeline(obj):
    return {"events": engine.history(obj)}
