"""Every form's date and number inputs render values the browser accepts as they are.

`<input type="date">` takes only ISO dates (2025-12-31) and `<input type="number">` only plain numbers;
anything else (the zh-hans "2025/12/31", a thousands separator) is dropped by the browser and submitted as
empty, so saving an untouched form would erase the value. The forms are found by importing every app's
`forms` and `views` modules and the URL configuration, then taking every form class defined in the
project: a new form is checked without being listed here.
"""

import importlib
import importlib.util
import re
from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from kechuang.plans.models import Task
from kechuang.web.forms import DateInput, formfield


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type[forms.BaseForm]]:
    importlib.import_module(settings.ROOT_URLCONF)  # every view the URLs name
    for app in apps.get_app_configs():
        for module in ("forms", "views"):
            if app.name.startswith("kechuang.") and importlib.util.find_spec(f"{app.name}.{module}"):
                importlib.import_module(f"{app.name}.{module}")
    found = {
        cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.startswith("kechuang.") and ".tests." not in cls.__module__
    }
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


FORMS = project_forms()
TEMPORAL = (forms.DateField, forms.DateTimeField, forms.TimeField)
NUMBER = (forms.DecimalField, forms.IntegerField, forms.FloatField)


def _fields(kind):
    return [
        (f"{cls.__qualname__}.{name}", field)
        for cls in FORMS
        for name, field in cls.base_fields.items()
        if isinstance(field, kind)
    ]


def test_the_forms_are_found():
    names = {cls.__qualname__ for cls in FORMS}
    assert {
        "TaskForm",
        "EnterpriseForm",
        "YearForm",
        "QualificationForm",
        "ProjectForm",
        "RoundForm",
    } <= names
    assert len(_fields(TEMPORAL)) >= 10


def test_every_model_form_uses_the_shared_field_callback():
    model_forms = [cls for cls in FORMS if issubclass(cls, forms.ModelForm) and cls._meta.model]
    assert model_forms
    for cls in model_forms:
        assert cls._meta.formfield_callback is formfield, f"{cls.__qualname__}: Meta.formfield_callback"


@pytest.mark.parametrize("name,field", _fields(TEMPORAL), ids=lambda v: v if isinstance(v, str) else "")
def test_every_date_input_renders_iso(name, field):
    assert isinstance(field.widget, DateInput), f"{name} must use kechuang.web.forms.DateInput"
    with translation.override("zh-hans"):
        html = field.widget.render("d", date(2025, 12, 31))
        assert 'type="date"' in html
        assert 'value="2025-12-31"' in html
        assert field.clean("2025-12-31") == date(2025, 12, 31)


@override_settings(USE_THOUSAND_SEPARATOR=True)
@pytest.mark.parametrize("name,field", _fields(NUMBER), ids=lambda v: v if isinstance(v, str) else "")
def test_every_number_input_renders_a_plain_number(name, field):
    value = Decimal("1234567.89") if isinstance(field, forms.DecimalField) else 1234567
    with translation.override("zh-hans"):
        html = field.widget.render("n", field.prepare_value(value))
    assert 'type="number"' in html
    assert re.search(r'value="-?\d+(\.\d+)?"', html), f"{name}: {html}"


def test_task_edit_page_shows_the_deadline_as_iso(client_as):
    task = Task.objects.get(code="1.1", programme__number=1)
    assert task.deadline == date(2025, 12, 31)
    html = client_as("kjj").get(f"/plans/tasks/{task.pk}/edit/").content.decode()
    assert re.search(r'<input type="date" name="deadline" value="2025-12-31"', html)
