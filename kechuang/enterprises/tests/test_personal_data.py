"""Enterprise contacts' phone numbers as personal data: masked for the towns, leaders and the API's lists,
in full for the bureau (after 显示完整信息, recorded) and for the enterprise itself; kept encrypted in the
enterprise's own proposals too, and in the audit log only as masks."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from kechuang.audit.models import ChangeEntry, PersonalDataView
from kechuang.core.personal import is_token, mask
from kechuang.enterprises.models import Enterprise, Submission
from kechuang.testing.registry import entries_of, form_data_of

pytestmark = pytest.mark.django_db


def own(user) -> Enterprise:
    return user("qiye").enterprises.get()


def raw(table: str, column: str, pk):
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("who", ["leader", "hanfeng"])
def test_the_page_is_masked_for_who_may_not_see_the_contact_in_full(client_as, user, who):
    enterprise = own(user)
    phone = enterprise.contact_phone
    body = client_as(who).get(f"/enterprises/{enterprise.pk}/", {"full": "1"}).content.decode()
    assert mask("phone", phone) in body and phone not in body and "您无权查看完整信息" in body
    assert not PersonalDataView.objects.exists()


@pytest.mark.parametrize("who", ["kjj", "qiye"])
def test_the_bureau_and_the_enterprise_itself_see_it_in_full_when_they_ask(client_as, user, who):
    enterprise = own(user)
    phone = enterprise.contact_phone
    client = client_as(who)
    body = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert mask("phone", phone) in body and phone not in body and "显示完整信息" in body
    assert phone in client.get(f"/enterprises/{enterprise.pk}/", {"full": "1"}).content.decode()
    [view] = PersonalDataView.objects.all()
    assert (view.actor, view.object_repr, view.fields) == (user(who), enterprise.name, ["contact_phone"])
    assert view.scope_path == enterprise.town.path  # the town's auditors see who looked at its enterprises


def test_the_api_and_the_export_mask_the_contact_phone(client_as, user):
    enterprise = own(user)
    phone = enterprise.contact_phone
    client = client_as("kjj")
    listed = client.get("/api/v1/enterprises", {"ids": str(enterprise.pk)}).json()["results"][0]
    assert listed["contact_phone"] == mask("phone", phone)
    assert client.get(f"/api/v1/enterprises/{enterprise.pk}").json()["contact_phone"] == mask("phone", phone)
    assert client.get(f"/api/v1/enterprises/{enterprise.pk}", {"full": "1"}).json()["contact_phone"] == phone
    response = client_as("leader").get(f"/api/v1/enterprises/{enterprise.pk}", {"full": "1"})
    assert response.status_code == 403

    def phones(who, **params):
        book = b"".join(
            client_as(who)
            .get("/tables/enterprises/export.xlsx", {"ids": str(enterprise.pk), **params})
            .streaming_content
        )
        rows = list(
            openpyxl.load_workbook(io.BytesIO(book), read_only=True)["数据"].iter_rows(values_only=True)
        )
        return [r[rows[0].index("联系电话")] for r in rows[1:]]

    assert phones("leader") == phones("kjj") == [mask("phone", phone)]
    assert phones("kjj", full="1") == [phone]
    assert client_as("leader").get("/tables/enterprises/export.xlsx", {"full": "1"}).status_code == 403
    assert PersonalDataView.objects.filter(object_id="").count() == 1


def test_the_enterprises_proposal_keeps_the_new_phone_encrypted_and_masked_for_the_town(client_as, user):
    enterprise = own(user)
    client = client_as("qiye")
    form = client.get(f"/enterprises/{enterprise.pk}/propose/").context["form"]
    assert form["contact_phone"].value() == enterprise.contact_phone  # the enterprise's own: in full
    assert PersonalDataView.objects.filter(actor=user("qiye")).count() == 1
    data = {**form_data_of(form), "contact_phone": "13566667777"}
    assert client.post(f"/enterprises/{enterprise.pk}/propose/", data).status_code == 302
    submission = Submission.objects.filter(enterprise=enterprise).latest("pk")
    stored = raw("enterprises_submission", "values", submission.pk)
    assert "13566667777" not in str(stored) and is_token(submission.values["contact_phone"])
    assert submission.proposed()["contact_phone"] == "13566667777"
    created = entries_of(submission).latest("pk")
    assert created.after["values"]["contact_phone"] == "******"  # the audit log redacts it
    token = submission.values["contact_phone"]
    assert client.post(f"/enterprises/{enterprise.pk}/propose/", data).status_code == 302  # unchanged draft
    submission.refresh_from_db()
    assert submission.values["contact_phone"] == token and entries_of(submission).count() == 1

    from kechuang.enterprises import actions

    actions.submit_proposal(user("qiye"), submission, {})
    page = client_as("hanfeng").get(f"/enterprises/submissions/{submission.pk}/").content.decode()
    assert "135****7777" in page and "13566667777" not in page
    assert mask("phone", enterprise.contact_phone) in page and enterprise.contact_phone not in page
    page = client_as("kjj").get(f"/enterprises/submissions/{submission.pk}/", {"full": "1"}).content.decode()
    assert "13566667777" in page and enterprise.contact_phone in page
    from kechuang.workflow import engine

    engine.perform(submission, "accept", user("hanfeng"))
    enterprise.refresh_from_db()
    assert enterprise.contact_phone == "13566667777"
    assert "13566667777" not in raw("enterprises_enterprise", "contact_phone", enterprise.pk)
    entry = entries_of(enterprise).latest("pk")
    assert entry.after["contact_phone"] == "135****7777"


def test_a_re_imported_masked_export_changes_nothing_and_a_mask_of_another_number_is_refused(
    client_as, user, settings, tmp_path
):
    from kechuang.tabular.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    enterprise = own(user)
    token = raw("enterprises_enterprise", "contact_phone", enterprise.pk)
    client = client_as("kjj")
    book = b"".join(
        client.get("/tables/enterprises/export.xlsx", {"ids": str(enterprise.pk)}).streaming_content
    )
    before = ChangeEntry.objects.exclude(content_type__model="importjob").count()
    client.post("/tables/enterprises/upload/", {"file": SimpleUploadedFile("e.xlsx", book)})
    job = ImportJob.objects.latest("pk")
    assert job.status == "validated" and job.error_rows == 0, job.errors
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "核对"})
    job.refresh_from_db()
    assert job.result["unchanged"] == 1
    assert raw("enterprises_enterprise", "contact_phone", enterprise.pk) == token
    assert ChangeEntry.objects.exclude(content_type__model="importjob").count() == before

    sheet = openpyxl.load_workbook(io.BytesIO(book))
    ws = sheet["数据"]
    ws.cell(2, [c.value for c in ws[1]].index("联系电话") + 1, "139****0000")
    edited = io.BytesIO()
    sheet.save(edited)
    client.post("/tables/enterprises/upload/", {"file": SimpleUploadedFile("e.xlsx", edited.getvalue())})
    job = ImportJob.objects.latest("pk")
    assert job.error_rows == 1 and "脱敏显示的值" in job.errors[0]["message"]
