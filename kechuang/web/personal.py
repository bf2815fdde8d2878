"""Personal data on pages, forms, the API and exports (the field and its masks: core/personal.py; who may see
it in full: org/personal.py).

Lists, exports and the API show masks. A record's page shows masks too, and offers 显示完整信息 (`?full=1`)
to whoever may see the record's personal data in full; the page then shows it and writes one
`audit.PersonalDataView` (who, whose, which fields, when, from where) — one per page view, not per value. An
edit form shows the values in full to whoever may see them (recorded the same way when the page is opened)
and masked to the others, who can type a new value but never save the mask over the stored one.
"""

from __future__ import annotations

from django.http import QueryDict

from kechuang.audit.recording import record_personal_view
from kechuang.core.personal import mask, personal_fields, reveal
from kechuang.org.personal import may_see_full

FULL = "full"  # the query parameter asking for the full values
MASKED_HELP = "已脱敏显示（您无权查看完整信息）：保持不变即保留原值；如需更改，请填写完整的新值。"


def asked_full(request) -> bool:
    return request.GET.get(FULL) == "1"


def filled(obj) -> list[str]:
    """The names of `obj`'s personal fields that hold a value."""
    return [name for name, field in personal_fields(type(obj)).items() if getattr(obj, field.attname)]


def labels(model, names) -> str:
    fields = personal_fields(model)
    return "、".join(str(fields[name].verbose_name) for name in names)


def _query(request, full: bool) -> str:
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query.pop(FULL, None)
    if full:
        query[FULL] = "1"
    text = query.urlencode()
    return f"?{text}" if text else "?"


def disclose(request, obj, subject=None, names=None) -> dict:
    """A record's page: show `obj`'s personal fields in full when the request asks and the user may (they
    are marked on `obj` for `shown()`, and the view is recorded once). `subject` is the record whose right
    decides (default `obj`: a submission's values are its enterprise's). Returns the context of the page's
    notice ({% include "web/_personal.html" %})."""
    subject = obj if subject is None else subject
    names = filled(obj) if names is None else names
    if not names:
        return {"names": []}
    may = may_see_full(request.user, subject)
    shown = may and asked_full(request)
    if shown:
        reveal(obj, names)
        record_personal_view(subject, names, where=request.get_full_path())
    return {
        "names": names,
        "labels": labels(type(obj), names),
        "may": may,
        "shown": shown,
        "refused": asked_full(request) and not may,
        "full_url": _query(request, True),
        "masked_url": _query(request, False),
    }


def disclose_api(request, obj, asked: bool) -> bool:
    """The API's detail: full values when `asked` (`?full=1`) by whoever may (recorded); PermissionError
    when asked by someone who may not."""
    if not asked:
        return False
    names = filled(obj)
    if not names:
        return True
    if not may_see_full(request.user, obj):
        raise PermissionError("您无权查看该记录的完整个人信息。")
    reveal(obj, names)
    record_personal_view(obj, names, where=request.get_full_path())
    return True


def _keeping(clean, stored, masked):
    def keep(value):
        if isinstance(value, str) and value.strip() == masked:
            return stored  # the mask left as shown: the stored value, as though it had been posted
        return clean(value)

    return keep


def guard_form(form, user, instance) -> list[str]:
    """Protect an edit form's personal fields: to a user who may not see them in full they are shown
    masked, and a posted mask keeps the stored value; a user who may see them edits them normally.
    Returns the names shown in full (the page records the view when it is opened)."""
    fields = personal_fields(type(instance))
    names = [name for name in fields if name in form.fields and not form.fields[name].disabled]
    stored = {name: getattr(instance, fields[name].attname) for name in names}
    names = [name for name in names if stored[name]]
    if not names:
        return []
    if may_see_full(user, instance):
        return names
    for name in names:
        masked = mask(fields[name].kind, stored[name])
        form.initial[name] = masked
        field = form.fields[name]
        field.clean = _keeping(field.clean, stored[name], masked)
        field.help_text = MASKED_HELP
    return []


def record_form_view(request, form, obj) -> None:
    """An edit page opened with personal values in full: one record."""
    names = getattr(form, "personal_shown", None)
    if obj is not None and names:
        record_personal_view(obj, names, where=request.get_full_path())
