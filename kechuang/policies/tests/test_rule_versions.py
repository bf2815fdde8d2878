"""A rule's new version on the article's page: the form starts from the version in force, saved unchanged
it is refused (nothing changes), 试算 shows what the rule as entered gives on a year's data without saving
it, a bad rule is refused naming its place, and a changed one becomes the next version."""

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.enterprises.models import Qualification
from kechuang.policies import rules
from kechuang.policies.models import Instrument, Rule

pytestmark = pytest.mark.django_db


def _hte():
    return Instrument.objects.select_related("document__department").get(name="高新技术企业首次认定奖励")


def _form(page) -> dict:
    form = page.context["rule_form"]
    return {
        name: form[name].value()
        if not isinstance(form[name].value(), list | dict)
        else form.fields[name].prepare_value(form[name].value())
        for name in form.fields
    }


def _post(client, instrument, data, trial=False):
    url = reverse("policy-instruments:step", args=[instrument.pk, "rule"])
    data = {k: ("" if v is None else v) for k, v in data.items()}
    return client.post(url, {**data, **({"trial": "1"} if trial else {})})


def test_the_form_starts_from_the_version_in_force_and_unchanged_changes_nothing(client_as):
    instrument = _hte()
    current = instrument.rules.get()
    client = client_as("kjj")
    page = client.get(instrument.get_absolute_url())
    data = _form(page)
    assert (
        json.loads(data["conditions"]) == current.conditions and json.loads(data["amount"]) == current.amount
    )
    assert data["valid_from"] == date(timezone.localdate().year, 1, 1)
    answer = _post(client, instrument, data)
    assert answer.status_code == 400 and f"与现行第 {current.version} 版规则相同" in answer.content.decode()
    assert instrument.rules.count() == 1 and Rule.objects.get(pk=current.pk).valid_to is None


def test_a_trial_shows_what_the_rule_as_entered_gives_and_saves_nothing(client_as):
    instrument = _hte()
    client = client_as("kjj")
    data = _form(client.get(instrument.get_absolute_url()))
    data["amount"] = json.dumps({"type": "fixed", "amount": 400_000})
    data["trial_year"] = 2020
    answer = _post(client, instrument, data, trial=True)
    assert answer.status_code == 200
    trial = answer.context["trial"]
    district = instrument.document.department
    firsts = set(
        Qualification.objects.filter(
            kind__code="hte", enterprise__town__path__startswith=district.path
        ).values_list("enterprise_id", flat=True)
    )
    outcomes = rules.evaluate(
        [{"fact": "first_qualified", "kind": "hte"}],
        {"type": "fixed", "amount": 400_000},
        2020,
        sorted(firsts),
    )
    expected = [o for o in outcomes if o.eligible]
    assert trial["count"] == len(expected) > 0 and trial["total"] == 400_000 * len(expected)
    text = answer.content.decode()
    assert "试算结果（未保存）" in text and f"<strong>{trial['count']}</strong> 家符合条件" in text
    assert "标准：定额 40.00 万元" in text
    assert instrument.rules.count() == 1  # nothing saved
    # the form keeps what was entered, to save it next
    assert json.loads(answer.context["rule_form"]["amount"].value()) == {"type": "fixed", "amount": 400_000}


def test_a_bad_rule_is_refused_in_the_trial_and_in_the_save_naming_its_place(client_as):
    instrument = _hte()
    client = client_as("kjj")
    data = _form(client.get(instrument.get_absolute_url()))
    data["conditions"] = json.dumps([{"fact": "rd", "op": ">=", "value": 1}])
    for trial in (True, False):
        answer = _post(client, instrument, data, trial=trial)
        assert answer.status_code == 400 and "条件 1：未知的数据项" in answer.content.decode()
    data["conditions"] = "[{"
    answer = _post(client, instrument, data, trial=True)
    assert answer.status_code == 400 and "不是有效的 JSON" in answer.content.decode()
    assert instrument.rules.count() == 1


def test_a_changed_rule_becomes_the_next_version_and_closes_the_one_before(client_as):
    instrument = _hte()
    current = instrument.rules.get()
    client = client_as("kjj")
    data = _form(client.get(instrument.get_absolute_url()))
    data["amount"] = json.dumps({"type": "fixed", "amount": 400_000})
    data["reason"] = "区政府常务会议调整奖励标准"
    answer = _post(client, instrument, data)
    assert answer.status_code == 302
    new = instrument.rules.get(version=current.version + 1)
    assert new.amount == {"type": "fixed", "amount": 400_000} and new.valid_from == data["valid_from"]
    assert Rule.objects.get(pk=current.pk).valid_to == date(new.valid_from.year - 1, 12, 31)


def test_a_town_cannot_try_or_save_a_rule(client_as):
    instrument = _hte()
    data = _form(client_as("kjj").get(instrument.get_absolute_url()))
    data["trial_year"] = 2020
    assert _post(client_as("hanfeng"), instrument, data, trial=True).status_code == 403
    assert _post(client_as("hanfeng"), instrument, data).status_code == 403
    assert instrument.rules.count() == 1
