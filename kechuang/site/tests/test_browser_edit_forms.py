"""In headless Chromium: saving any edit form without touching it changes nothing.

The edit forms are found by walking the URL configuration: every named URL whose name ends in `edit`,
`change` or `update` is an edit page. Each needs a sample in SAMPLES (a demo object and a user allowed to
edit it) or a reason in NOT_EDITING_A_RECORD; a new edit page with neither fails the test, and so does a
sample or exclusion naming a URL that no longer exists.

For each sample the page is opened, the form submitted as the browser shows it (the reason filled in when
the form requires one) and the test asserts that the save succeeded, that no audit entry was written and
that every field of the object, many-to-many included, is what it was. A value the browser cannot show as
it is — a date in the wrong format, a number with separators, a choice missing from a drop-down — comes
back empty or different and fails here.
"""

import re

import pytest
from django.urls import reverse

from kechuang.audit.models import ChangeEntry
from kechuang.core.personal import personal_fields
from kechuang.org.models import User
from kechuang.testing import samples
from kechuang.testing.browser import ARTIFACTS, sign_in

EDIT_NAME = re.compile(r"(edit|change|update)$")


def edit_url_names() -> list[str]:
    return sorted(name for name in samples.named_urls() if EDIT_NAME.search(name))


# URL name → (user, the object the page edits, the URL's arguments)
SAMPLES = {
    "plans:task_edit": ("kjj", samples.task, lambda task: [task.pk]),
    "enterprises:edit": ("kjj", samples.qiye_enterprise, lambda e: [e.pk]),
    # the ledger's yearly figures are the bureau's (an enterprise proposes changes through a submission)
    "enterprise-years:edit": ("kjj", samples.enterprise_year, lambda y: [y.pk]),
    "qualifications:edit": ("kjj", lambda: _qualification(), lambda q: [q.pk]),
    "departments:edit": ("sysadmin", lambda: samples.department("区经济信息委"), lambda d: [d.pk]),
    # personal data: the system administrator sees the phone number masked, the bureau (enterprises:edit)
    # the contact's in full — neither save may change what is stored (the ciphertext compared too)
    "users:edit": ("sysadmin", lambda: User.objects.get(username="hanfeng"), lambda u: [u.pk]),
    # the holiday calendar's example entry: its date as the browser shows it, 放假 kept as chosen
    "calendar-days:edit": ("sysadmin", lambda: _calendar_day(), lambda d: [d.pk]),
    "projects:edit": ("kjj", samples.project, lambda p: [p.pk]),
    "platforms:edit": ("kjj", lambda: _platform(), lambda i: [i.pk]),
    # fields as ticked boxes, the linked account kept among the choices, contacts in full for the bureau
    "experts:edit": ("kjj", samples.expert, lambda e: [e.pk]),
    # the criteria as a text of lines: an open round's saved unchanged keeps them (they cannot change now)
    "review-rounds:edit": ("kjj", samples.review_round, lambda r: [r.pk]),
    # topics and attachments as lines (a browser posts CR LF), qualifications as ticked boxes, the
    # published call's fixed rules shown as they are
    "calls:edit": ("kjj", samples.call, lambda c: [c.pk]),
    # a need in draft (its enterprise's, contacts in full) and a draft bid (its milestones as lines)
    "challenges:edit": ("qiye", lambda: _challenge_sample("_draft"), lambda c: [c.pk]),
    "challenge-bids:edit": ("fuwu", lambda: _challenge_sample("_draft_bid"), lambda b: [b.pk]),
    # 科技金融: the enterprise by its credit code, the plan's tasks ticked, money and rates as stored; a
    # claim's loan shown but fixed; a team's seed investment with its town
    "loans:edit": ("kjj", lambda: _finance_sample("_loan"), lambda loan: [loan.pk]),
    "risk-claims:edit": ("kjj", lambda: _finance_sample("_claim"), lambda claim: [claim.pk]),
    "seed-investments:edit": ("kjj", lambda: _finance_sample("_seed"), lambda s: [s.pk]),
    "banks:edit": ("kjj", lambda: _finance_sample("_bank"), lambda bank: [bank.pk]),
    # 政策扶持: the demo policy (dates, the issuing department kept among the choices) and an article
    "policy-documents:edit": ("kjj", lambda: _policy_sample("_document"), lambda d: [d.pk]),
    "policy-instruments:edit": ("kjj", lambda: _policy_sample("_instrument"), lambda i: [i.pk]),
    # a batch still open (dates as the browser shows them, the article kept among the choices)
    "application-windows:edit": ("kjj", lambda: _policy_sample("_open_window"), lambda w: [w.pk]),
    # 科技创新券: a type with its qualifications ticked and money as stored; an institution with its
    # accounts ticked, its contact's phone in full for the bureau
    "voucher-types:edit": ("kjj", lambda: _voucher_sample("_type"), lambda t: [t.pk]),
    "voucher-providers:edit": ("kjj", lambda: _voucher_sample("_provider"), lambda p: [p.pk]),
}

NOT_EDITING_A_RECORD = {
    "password_change": "改自己的密码：表单不显示任何已存的值，原样提交只会提示必填。",
    "audit:change": "一条审计记录的只读详情，没有表单。",
}


def _calendar_day():
    from kechuang.system.tests import permissions

    return permissions._calendar_day()


def _challenge_sample(name):
    from kechuang.challenges.tests import permissions

    return getattr(permissions, name)()


def _finance_sample(name):
    from kechuang.finance.tests import permissions

    return getattr(permissions, name)()


def _policy_sample(name):
    from kechuang.policies.tests import permissions

    return getattr(permissions, name)()


def _voucher_sample(name):
    from kechuang.vouchers.tests import permissions

    return getattr(permissions, name)()


def _qualification():
    from kechuang.enterprises.models import Qualification

    return Qualification.objects.filter(enterprise=samples.qiye_enterprise()).order_by("pk").first()


def _platform():
    from kechuang.platforms.models import Institution

    return Institution.objects.filter(host__isnull=False).order_by("pk").first()


def snapshot(obj) -> dict:
    obj = type(obj)._base_manager.get(pk=obj.pk)
    values = {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for m2m in obj._meta.many_to_many:
        values[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    for name, field in personal_fields(type(obj)).items():  # personal data: the stored ciphertext too
        values[f"{name} (stored)"] = getattr(getattr(obj, field.attname), "token", None)
    return values


def test_every_edit_url_has_a_sample():
    names = set(edit_url_names())
    assert {"plans:task_edit", "enterprises:edit", "projects:edit"} <= names
    assert names - set(SAMPLES) - set(NOT_EDITING_A_RECORD) == set(), "edit pages without a sample"
    assert set(SAMPLES) | set(NOT_EDITING_A_RECORD) <= names, "samples for pages that no longer exist"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_saving_an_untouched_edit_form_changes_nothing(browser_page, live_server):
    page = browser_page
    failures = []
    for name, (username, sample, arguments) in SAMPLES.items():
        obj = sample()
        assert obj is not None, f"{name}: no demo object to edit"
        url = live_server.url + reverse(name, args=arguments(obj))
        page.context.clear_cookies()
        sign_in(page, live_server.url, username)
        before, last_entry = (
            snapshot(obj),
            ChangeEntry.objects.order_by("-pk").values_list("pk", flat=True)[0],
        )
        page.goto(url)
        form = page.locator("form[method=post]:has(button.primary)")
        reason = form.locator("[name=reason]")
        if reason.count() and reason.get_attribute("required") is not None:
            reason.fill("原样保存，核对不改变任何数据")
        with page.expect_navigation():
            form.locator("button.primary").click()
        if page.url.split("?")[0] == url:
            page.screenshot(path=str(ARTIFACTS / f"edit-{name.replace(':', '-')}.png"), full_page=True)
            errors = page.locator(".errors, .error").all_inner_texts()
            failures.append(f"{name}: not saved — {errors}")
            continue
        entries = list(
            ChangeEntry.objects.filter(pk__gt=last_entry).values_list("object_repr", "changed_fields")
        )
        if entries:
            failures.append(f"{name}: audit entries written {entries}")
        after = snapshot(obj)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        if changed:
            failures.append(f"{name}: fields changed {changed}")
    assert not failures, "\n".join(failures)
    assert page.console_errors == []
