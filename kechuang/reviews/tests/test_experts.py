"""The expert pool on the registry kit: the bureau adds and edits experts through the pages, refused input
is named, an expert sees only their own record, contact details are masked and encrypted."""

import pytest
from django.db import connection

from kechuang.audit.models import ChangeEntry
from kechuang.org.models import Department
from kechuang.reviews.models import Discipline, Expert

pytestmark = pytest.mark.django_db


def form_data(**changes):
    bureau = Department.objects.get(name="区科技局")
    data = {
        "name": "测试专家",
        "organisation": "重庆大学",
        "title": "正高级",
        "position": "教授",
        "disciplines": [Discipline.objects.get(name="新材料").pk, Discipline.objects.get(name="电子信息").pk],
        "phone": "13800001111",
        "email": "ce.shi@example.cn",
        "department": bureau.pk,
        "user": "",
        "available": "on",
        "unavailable_reason": "",
        "note": "",
        "reason": "新入库",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_bureau_adds_an_expert_with_fields_and_encrypted_contacts(client_as):
    client = client_as("kjj")
    answer = client.post("/experts/new/", form_data())
    assert answer.status_code == 302, answer.content.decode()[:2000]
    expert = Expert.objects.get(name="测试专家")
    assert [d.name for d in expert.disciplines.all()] == ["电子信息", "新材料"]  # in the pool's order
    assert expert.discipline_text == "电子信息、新材料"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM reviews_expert WHERE id = %s", [expert.pk])
        stored = cursor.fetchone()[0]
    assert "13800001111" not in stored  # encrypted at rest
    page = client.get(f"/experts/{expert.pk}/").content.decode()
    assert "138****1111" in page and "13800001111" not in page  # masked until 显示完整信息
    assert "电子信息、新材料" in page and "可参加评审</dt><dd>是" in page.replace("\n", "")
    entries = ChangeEntry.objects.filter(object_repr__startswith="测试专家")
    assert entries.filter(action="create").exists() and entries.first().reason == "新入库"
    assert "13800001111" not in str(list(entries.values_list("after", flat=True)))


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"disciplines": None}, "disciplines", "至少选择一个评审领域"),
        ({"available": None, "unavailable_reason": ""}, "unavailable_reason", "暂停参加评审时须填写原因"),
        ({"organisation": ""}, "organisation", "这个字段是必填项"),
        ({"title": "院士"}, "title", "院士"),
        ({"email": "not-an-address"}, "email", "有效"),
    ],
)
def test_refused_input_is_named_and_nothing_is_stored(client_as, changes, field, message):
    answer = client_as("kjj").post("/experts/new/", form_data(**changes))
    assert answer.status_code == 200
    form = answer.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field]), form.errors
    assert not Expert.objects.filter(name="测试专家").exists()


def test_only_an_expert_account_can_be_linked(client_as, user):
    answer = client_as("kjj").post("/experts/new/", form_data(user=user("qiye").pk))
    assert answer.status_code == 200 and "user" in answer.context["form"].errors  # not among the choices
    free = user("expert")
    Expert.objects.filter(user=free).update(user=None)  # the account unlinked: it can be linked again
    assert client_as("kjj").post("/experts/new/", form_data(user=free.pk)).status_code == 302
    assert Expert.objects.get(name="测试专家").user == free


def test_an_expert_sees_only_their_own_record(client_as, user):
    mine = Expert.objects.get(user=user("expert"))
    other = Expert.objects.exclude(pk=mine.pk).first()
    client = client_as("expert")
    listing = client.get("/experts/").content.decode()
    assert mine.name in listing and other.name not in listing
    assert client.get(f"/experts/{mine.pk}/").status_code == 200
    assert client.get(f"/experts/{other.pk}/").status_code == 404
    assert client.get(f"/experts/{mine.pk}/edit/").status_code == 403  # the bureau keeps the pool
    api = client.get("/api/v1/experts").json()
    assert [row["id"] for row in api["results"]] == [mine.pk]
    assert api["results"][0]["phone"] != mine.phone  # masked unless asked for in full (?full=1)
    full = client.get(f"/api/v1/experts/{mine.pk}?full=1").json()
    assert full["phone"] == mine.phone  # their own number, in full when asked


def test_filters_by_field_and_availability(client_as):
    client = client_as("kjj")
    agriculture = Discipline.objects.get(name="现代农业")
    listing = client.get(f"/experts/?discipline={agriculture.pk}").content.decode()
    farmers = Expert.objects.filter(disciplines=agriculture)
    assert all(e.name in listing for e in farmers)
    others = Expert.objects.exclude(disciplines=agriculture).first()
    assert others.name not in listing
    paused = Expert.objects.filter(available=False).first()
    assert paused.name in client.get("/experts/?available=0").content.decode()
    refused = client.get("/experts/?discipline=９９９")
    assert refused.status_code == 400 and "评审领域" in refused.content.decode()


def test_conflicts_compare_organisations_as_written_by_people():
    expert = Expert(organisation=" 重庆大学 ")
    assert expert.conflicts_with(["重庆大学"]) and expert.conflicts_with(["重庆大学　"])
    assert Expert(organisation="ＡＢＣ科技有限公司").conflicts_with(["ABC科技有限公司"])
    assert not Expert(organisation="").conflicts_with([""])
    assert not Expert(organisation="重庆大学").conflicts_with(["重庆邮电大学"])


def test_the_sheet_round_trip_changes_nothing_and_a_messy_file_is_refused_by_row(
    client_as, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.tabular.models import ImportJob
    from kechuang.tabular.tests.test_import import xlsx

    settings.MEDIA_ROOT = tmp_path
    client = client_as("kjj")
    exported = b"".join(client.get("/tables/experts/export.xlsx").streaming_content)
    client.post("/tables/experts/upload/", {"file": SimpleUploadedFile("e.xlsx", exported)})
    job = ImportJob.objects.latest("pk")
    assert job.status == "validated" and job.error_rows == 0, job.errors[:3]
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "核对专家库"})
    job.refresh_from_db()
    assert job.result == {"created": 0, "updated": 0, "unchanged": Expert.objects.count(), "skipped": 0}

    headers = ["姓名", "工作单位", "职称", "评审领域", "管理单位", "评审专家账号", "可参加评审", "暂停原因"]
    rows = [
        ["新专家甲", "重庆大学", "正高级", "新材料、电子信息", "区科技局", "", "是", ""],
        ["新专家乙", "西南大学", "教授", "现代农业", "区科技局", "", "", ""],  # not a title
        ["新专家丙", "西南大学", "中级", "养殖", "区科技局", "", "", ""],  # not a field
        ["新专家丁", "西南大学", "中级", "现代农业", "区科技局", "qiye", "", ""],  # not an expert account
        ["新专家戊", "西南大学", "中级", "现代农业", "区科技局", "", "否", ""],  # paused without a reason
    ]
    client.post(
        "/tables/experts/upload/", {"file": SimpleUploadedFile("m.xlsx", xlsx(rows, headers=headers))}
    )
    job = ImportJob.objects.latest("pk")
    assert job.error_rows == 4
    messages = " ".join(str(e) for e in job.errors)
    for expected in ["职称", "养殖", "qiye", "暂停参加评审时须填写原因"]:
        assert expected in messages, messages
    before = Expert.objects.count()
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "导入"})
    assert Expert.objects.count() == before  # all or nothing: the good row waits for the others
