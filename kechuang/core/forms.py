"""Running an action from a form view: refusals and validation errors become the form's own errors."""

from django.core.exceptions import ValidationError

from kechuang.org.actions import ActionRefused


def run_action(form, func, *args, **kwargs):
    """Call `func`; on ActionRefused or ValidationError add the Chinese messages to `form` (on the named
    field when the form has it) and return None. Otherwise return what `func` returned."""
    try:
        return func(*args, **kwargs)
    except ActionRefused as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    return None
