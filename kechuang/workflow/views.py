"""The one page action of every workflow: POST a transition (or a comment) for an object in scope."""

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from kechuang.org.actions import ActionRefused
from kechuang.org.scope import get_visible_or_404, has_capability

from . import engine


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def transition_form(t: engine.Transition, data=None, auto_id="id_%s"):
    """The form a transition asks for: its own fields (if it declares a form) plus the comment."""
    base = t.form_class()
    form_class = type(f"{t.name.title()}TransitionForm", (base, CommentForm) if base else (CommentForm,), {})
    form = form_class(data, auto_id=auto_id)
    form.order_fields([name for name in form.fields if name != "comment"] + ["comment"])  # the comment last
    form.fields["comment"].required = t.comment_required
    form.fields["comment"].label = "意见（必填）" if t.comment_required else "意见"
    return form


def _object(request, model_label: str, pk: str):
    try:
        model = apps.get_model(model_label)
        wf = engine.workflow_of(model)
    except (LookupError, ValueError):
        raise Http404("没有这种记录。") from None
    if not str(pk).isdigit() or len(str(pk)) > 18:
        raise Http404("没有这种记录。")
    plain = (
        wf.view_capability
        if isinstance(wf.view_capability, str) and wf.view_capability.count(".") <= 1
        else None
    )
    if plain and not has_capability(request.user, plain):  # refused before looking the record up
        raise PermissionDenied("您没有访问该记录的权限。")
    obj = get_visible_or_404(request.user, model._default_manager.all(), pk=int(pk))
    if wf.hidden_from(obj, request.user):
        raise Http404("没有这种记录。")
    return wf, obj


def _back(request, obj):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(obj.get_absolute_url())


@require_POST
def run(request, model_label: str, pk: str, name: str):
    wf, obj = _object(request, model_label, pk)
    t = next((t for t in wf.transitions if t.name == name and t.by == "user"), None)
    if t is None:
        raise Http404("没有这个操作。")
    form = transition_form(t, request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{t.label}：{label + '：' if label else ''}{error}")
        return _back(request, obj)
    changes = {k: v for k, v in form.cleaned_data.items() if k != "comment"}
    try:
        engine.perform(obj, name, request.user, comment=form.cleaned_data["comment"], changes=changes)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "您没有该操作的权限。")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"{t.label}：{message}")
    else:
        messages.success(request, f"已{t.label}：现为“{wf.label(wf.state_of(obj))}”。")
    return _back(request, obj)


@require_POST
def post_comment(request, model_label: str, pk: str):
    _wf, obj = _object(request, model_label, pk)
    try:
        engine.comment(obj, request.user, request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "留言已记录。")
    return _back(request, obj)
