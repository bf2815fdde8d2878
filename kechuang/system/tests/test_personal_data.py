"""Users' phone numbers as personal data: masked on the page, the API and the export for whoever may not see
them in full — the system administrator manages accounts without reading them (三员分立) — shown in full to a
bureau manager over the accounts they manage and to the person themself, only after 显示完整信息, each such
view one chained audit record; and never lost by a form or a workbook that showed the mask."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.audit.models import ChangeEntry, PersonalDataView
from kechuang.core.personal import mask
from kechuang.org.models import RoleGrant
from kechuang.org.roles import Role, Scope
from kechuang.testing.registry import entries_of, form_data_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(user):
    return user("hanfeng").phone  # the demo's, a made-up mobile number


@pytest.fixture
def masked(phone):
    return mask("phone", phone)


@pytest.fixture
def manager(user, dept):
    """The bureau's manager who also manages the district's accounts: may see their personal data."""
    kjj = user("kjj")
    RoleGrant.objects.create(user=kjj, role=Role.SYSTEM_ADMIN, scope=Scope.SUBTREE, department=dept())
    return kjj


def views():
    return PersonalDataView.objects.order_by("pk")


def raw_phone(pk) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM org_user WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_user_page_is_masked_until_the_manager_asks_and_the_view_is_recorded_once(
    client_as, user, manager, phone, masked
):
    hanfeng = user("hanfeng")
    client = client_as(manager)
    body = client.get(f"/org/users/{hanfeng.pk}/").content.decode()
    assert masked in body and phone not in body and "显示完整信息" in body
    assert not views().exists()
    response = client.get(f"/org/users/{hanfeng.pk}/", {"full": "1"}, REMOTE_ADDR="10.1.2.3")
    body = response.content.decode()
    assert phone in body and "本次查看已记入审计日志" in body
    [view] = views()
    assert (view.actor, view.object_id, view.fields, view.ip) == (
        manager,
        str(hanfeng.pk),
        ["phone"],
        "10.1.2.3",
    )
    assert view.where == f"/org/users/{hanfeng.pk}/?full=1" and view.content_type.model == "user"
    assert view.field_labels() == ["联系电话"] and view.hash  # chained like the other logs


def test_a_system_administrator_manages_accounts_without_reading_their_phone_numbers(
    client_as, user, phone, masked
):
    hanfeng = user("hanfeng")
    body = client_as("sysadmin").get(f"/org/users/{hanfeng.pk}/", {"full": "1"}).content.decode()
    assert masked in body and phone not in body and "您无权查看完整信息" in body
    listed = client_as("sysadmin").get("/api/v1/users", {"q": "hanfeng"}).json()["results"][0]
    assert listed["phone"] == masked
    response = client_as("sysadmin").get(f"/api/v1/users/{hanfeng.pk}", {"full": "1"})
    assert response.status_code == 403 and "无权查看" in response.json()["detail"]
    assert not views().exists()


def test_everyone_sees_their_own_phone_on_their_profile_after_asking(client_as, user, phone, masked):
    client = client_as("hanfeng")
    body = client.get("/org/profile/").content.decode()
    assert masked in body and phone not in body and "显示完整信息" in body
    assert phone in client.get("/org/profile/", {"full": "1"}).content.decode()
    [view] = views()
    assert view.actor == view.content_type.get_object_for_this_type(pk=view.object_id) == user("hanfeng")


def test_the_api_masks_lists_and_shows_a_record_in_full_only_when_asked_by_who_may(
    client_as, user, manager, phone, masked
):
    hanfeng = user("hanfeng")
    client = client_as(manager)
    assert client.get("/api/v1/users", {"q": "hanfeng"}).json()["results"][0]["phone"] == masked
    assert client.get(f"/api/v1/users/{hanfeng.pk}").json()["phone"] == masked
    assert not views().exists()
    assert client.get(f"/api/v1/users/{hanfeng.pk}", {"full": "1"}).json()["phone"] == phone
    [view] = views()
    assert view.source == "api" and view.where == f"/api/v1/users/{hanfeng.pk}?full=1"


def _export(client, **params):
    book = b"".join(client.get("/tables/users/export.xlsx", params).streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(book), read_only=True)["数据"].iter_rows(values_only=True))
    header = rows[0]
    phones = {r[header.index("用户名")]: r[header.index("联系电话")] for r in rows[1:]}
    return book, phones


def test_the_export_masks_phone_numbers_unless_asked_in_full_by_who_may(client_as, manager, phone, masked):
    _, phones = _export(client_as("sysadmin"))
    assert phones["hanfeng"] == masked and phone not in phones.values()
    assert not views().exists()
    assert client_as("sysadmin").get("/tables/users/export.xlsx", {"full": "1"}).status_code == 403
    assert "导出（含完整个人信息）" not in client_as("sysadmin").get("/tables/users/").content.decode()
    _, phones = _export(client_as(manager), full="1", q="hanfeng")
    assert phones == {"hanfeng": phone}
    [view] = views()
    assert view.count == 1 and view.object_id == "" and "导出“用户”" in view.object_repr
    page = client_as(manager).get("/tables/users/").content.decode()
    assert "导出（含完整个人信息）" in page and "脱敏显示" in page


def test_a_masked_edit_form_saved_untouched_keeps_the_phone_number(client_as, user, phone, masked):
    hanfeng = user("hanfeng")
    token = raw_phone(hanfeng.pk)
    client = client_as("sysadmin")
    form = client.get(f"/org/users/{hanfeng.pk}/edit/").context["form"]
    assert form["phone"].value() == masked and "已脱敏显示" in form.fields["phone"].help_text
    before = entries_of(hanfeng).count()
    response = client.post(f"/org/users/{hanfeng.pk}/edit/", form_data_of(form))
    assert response.status_code == 302
    assert user("hanfeng").phone == phone and raw_phone(hanfeng.pk) == token  # not even re-encrypted
    assert entries_of(hanfeng).count() == before
    assert not views().exists()  # the form showed no full value


def test_a_masked_form_takes_a_new_number_but_never_a_mask(client_as, user, phone):
    hanfeng = user("hanfeng")
    client = client_as("sysadmin")
    data = form_data_of(client.get(f"/org/users/{hanfeng.pk}/edit/").context["form"])
    response = client.post(f"/org/users/{hanfeng.pk}/edit/", {**data, "phone": mask("phone", "13999990000")})
    assert response.status_code == 200 and "脱敏显示的值" in response.content.decode()
    assert user("hanfeng").phone == phone
    response = client.post(f"/org/users/{hanfeng.pk}/edit/", {**data, "phone": "13911112222"})
    assert response.status_code == 302 and user("hanfeng").phone == "13911112222"


def test_who_may_see_the_number_edits_it_in_full_and_opening_the_form_is_recorded(
    client_as, user, manager, phone
):
    hanfeng = user("hanfeng")
    token = raw_phone(hanfeng.pk)
    client = client_as(manager)
    form = client.get(f"/org/users/{hanfeng.pk}/edit/").context["form"]
    assert form["phone"].value() == phone
    [view] = views()
    assert view.where == f"/org/users/{hanfeng.pk}/edit/"
    before = entries_of(hanfeng).count()
    assert client.post(f"/org/users/{hanfeng.pk}/edit/", form_data_of(form)).status_code == 302
    assert raw_phone(hanfeng.pk) == token and entries_of(hanfeng).count() == before
    assert views().count() == 1  # saving shows nothing


def test_a_patch_through_the_api_by_who_sees_masks_keeps_the_number(client_as, user, phone, masked):
    hanfeng = user("hanfeng")
    response = client_as("sysadmin").patch(
        f"/api/v1/users/{hanfeng.pk}", {"display_name": "韩锋"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["phone"] == masked
    assert user("hanfeng").phone == phone and user("hanfeng").display_name == "韩锋"


def test_the_audit_log_keeps_masks_not_phone_numbers(client_as, user, phone, masked):
    hanfeng = user("hanfeng")
    client = client_as("sysadmin")
    data = form_data_of(client.get(f"/org/users/{hanfeng.pk}/edit/").context["form"])
    client.post(f"/org/users/{hanfeng.pk}/edit/", {**data, "phone": "13911112222", "reason": "换号"})
    entry = entries_of(hanfeng).latest("pk")
    assert entry.changed_fields == ["phone"]
    assert (entry.before["phone"], entry.after["phone"]) == (masked, "139****2222")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after FROM audit_changeentry WHERE id = %s", [entry.pk])
        stored = " ".join(str(v) for v in cursor.fetchone())
    assert phone not in stored and "13911112222" not in stored
    page = client_as("shenji").get(f"/audit/changes/{entry.pk}/").content.decode()
    assert "139****2222" in page and "13911112222" not in page


def test_a_re_imported_export_with_masks_changes_nothing_and_a_foreign_mask_is_refused(
    client_as, user, settings, tmp_path, phone, masked
):
    from kechuang.tabular.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    client = client_as("sysadmin")
    book, phones = _export(client, q="hanfeng")
    assert phones == {"hanfeng": masked}
    token = raw_phone(user("hanfeng").pk)
    before = ChangeEntry.objects.count()
    client.post("/tables/users/upload/", {"file": SimpleUploadedFile("u.xlsx", book)})
    job = ImportJob.objects.latest("pk")
    assert job.status == "validated" and job.error_rows == 0, job.errors
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "核对"})
    job.refresh_from_db()
    assert job.result["unchanged"] == 1 and job.result["updated"] == 0
    assert raw_phone(user("hanfeng").pk) == token
    assert ChangeEntry.objects.exclude(content_type__model="importjob").count() == before

    sheet = openpyxl.load_workbook(io.BytesIO(book))
    ws = sheet["数据"]
    column = [c.value for c in ws[1]].index("联系电话") + 1
    ws.cell(2, column, mask("phone", "13999990000"))  # a mask, but not of the stored number
    edited = io.BytesIO()
    sheet.save(edited)
    client.post("/tables/users/upload/", {"file": SimpleUploadedFile("u.xlsx", edited.getvalue())})
    job = ImportJob.objects.latest("pk")
    assert job.error_rows == 1 and "脱敏显示的值" in job.errors[0]["message"]
    assert user("hanfeng").phone == phone


def test_the_audit_administrator_lists_who_saw_whose_data(client_as, user, manager):
    hanfeng = user("hanfeng")
    client_as(manager).get(f"/org/users/{hanfeng.pk}/", {"full": "1"})
    auditor = client_as("shenji")
    body = auditor.get("/audit/personal/").content.decode()
    assert "科技局管理员（kjj）" in body and str(hanfeng) in body and "联系电话" in body
    assert "科技局管理员" in auditor.get("/audit/personal/", {"actor": "kjj"}).content.decode()
    assert "科技局管理员" not in auditor.get("/audit/personal/", {"actor": "leader"}).content.decode()
    refused = auditor.get("/audit/personal/", {"ip": "x"})
    assert refused.status_code == 400 and "不是有效的 IP 地址" in refused.content.decode()
    assert client_as("kjj").get("/audit/personal/").status_code == 403


def test_the_views_log_is_chained_and_verified_with_the_others(client_as, user, manager):
    from kechuang.audit import chain

    client_as(manager).get(f"/org/users/{user('hanfeng').pk}/", {"full": "1"})
    client_as("hanfeng").get("/org/profile/", {"full": "1"})
    assert chain.verify(PersonalDataView).broken is None
    first = views().first()
    PersonalDataView._base_manager.filter(pk=first.pk).update(
        fields=["email"]
    )  # a row edited behind its back
    assert "被改动" in str(chain.verify(PersonalDataView).broken)


def test_a_refused_phone_number_is_kept_masked_with_the_imports_errors(client_as, settings, tmp_path):
    from kechuang.system.tests.test_sheets import USER_HEADERS, imported, xlsx

    settings.MEDIA_ROOT = tmp_path
    too_long = "1380000" * 5  # 35 characters: over the 30 the column takes
    job = imported(
        client_as("sysadmin"), "users", xlsx(USER_HEADERS, [["newbie", "新人", too_long, "汉丰街道", "", ""]])
    )
    [error] = job.errors
    assert error["column"] == "联系电话" and error["value"] == mask("phone", too_long)
    assert too_long not in str(job.errors)


def test_a_list_column_or_a_generic_fact_of_a_personal_field_shows_the_mask(user, masked):
    from kechuang.web.registry import Column, get_registry
    from kechuang.web.templatetags.registry import cell
    from kechuang.web.views import facts

    hanfeng = user("hanfeng")
    assert cell(hanfeng, Column("phone")) == masked
    membership = hanfeng.memberships.select_related("user").first()
    assert cell(membership, Column("user__phone")) == masked
    assert ("联系电话", masked) in facts(get_registry("users"), hanfeng)
