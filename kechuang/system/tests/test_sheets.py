"""The organisation tree and its accounts in and out of Excel, through the pages' actions."""

import io

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.org.models import Department, Membership, User
from kechuang.tabular.models import ImportJob

pytestmark = pytest.mark.django_db

DEPARTMENT_HEADERS = ["上级单位", "名称", "简称", "类型", "代码", "启用"]
USER_HEADERS = ["用户名", "姓名", "联系电话", "所属单位", "关联企业信用代码", "启用"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def xlsx(headers, rows) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("数据")
    for c, h in enumerate(headers):
        ws.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return buffer.getvalue()


def imported(client, sheet, data, reason="批量维护"):
    response = client.post(f"/tables/{sheet}/upload/", {"file": SimpleUploadedFile("x.xlsx", data)})
    assert response.status_code == 302, response.content[:500]
    job = ImportJob.objects.latest("pk")
    if job.status == "validated" and not job.error_rows:
        client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": reason})
        job.refresh_from_db()
    return job


def errors_of(job) -> dict:
    return {(e["row"], e["column"]): e["message"] for e in job.errors}


def test_a_tree_is_made_in_one_file_parents_first(client_as, dept):
    data = xlsx(
        DEPARTMENT_HEADERS,
        [
            ["区科技局", "科技创新服务中心", "创新中心", "其他单位", "", "是"],
            ["科技创新服务中心", "成果转化科", "", "其他单位", "", "是"],
            ["区科技局/科技创新服务中心", "企业服务科", "", "其他单位", "", "否"],
        ],
    )
    job = imported(client_as("sysadmin"), "departments", data)
    assert job.status == "done", job.errors
    assert job.result["created"] == 3
    centre = Department.objects.get(name="科技创新服务中心")
    assert Department.objects.get_parent(centre) == dept("区科技局") and centre.short_name == "创新中心"
    children = {d.name: d.is_active for d in Department.objects.get_children(centre)}
    assert children == {"成果转化科": True, "企业服务科": False}


def test_department_rows_are_refused_by_cell_with_the_reason(client_as, dept):
    district = dept()
    twin = Department.objects.add_child(
        Department.objects.get(pk=dept("汉丰街道").pk), instance=Department(name="区科技局", kind="unit")
    )
    assert twin.pk
    data = xlsx(
        DEPARTMENT_HEADERS,
        [
            ["区科技局", "新科室", "", "其他单位", "", ""],  # two departments of that name
            ["没有这个单位", "新科室", "", "其他单位", "", ""],
            ["", "另一个顶级单位", "", "区县", "", ""],
            [district.name, "区统计局", "", "部门", "", ""],  # exists: an update, fine
            [district.name, "区财政局", "", "不是类型", "", ""],
        ],
    )
    job = imported(client_as("sysadmin"), "departments", data)
    errors = errors_of(job)
    assert job.status == "validated" and job.error_rows == 4
    assert "“区科技局”有重名单位，请写完整路径（如“" in errors[(2, "上级单位")]
    assert f"/{district.name}/区科技局”）" in errors[(2, "上级单位")]
    assert errors[(3, "上级单位")] == "未找到单位“没有这个单位”"
    assert errors[(4, "上级单位")] == "新建单位须填写上级单位"
    assert "不是可选值" in errors[(6, "类型")] or "不在可选" in errors[(6, "类型")], errors[(6, "类型")]
    # a manager of users only may not change the tree
    assert client_as("kjj").post("/tables/departments/upload/", {}).status_code == 403


def test_accounts_made_from_a_workbook_cannot_sign_in_until_a_password_is_set(client_as, dept):
    data = xlsx(
        USER_HEADERS,
        [
            ["wangfang", "王芳", "13800000001", "区统计局；汉丰街道", "", "是"],
            ["hanfeng", "韩锋", "023-52200000", "汉丰街道", "", "是"],  # an existing account: updated
        ],
    )
    job = imported(client_as("sysadmin"), "users", data, reason="新任联络员")
    assert job.status == "done", job.errors
    assert (job.result["created"], job.result["updated"]) == (1, 1)
    made = User.objects.get(username="wangfang")
    assert not made.has_usable_password()
    assert [m.department for m in made.memberships.order_by("-is_primary", "pk")] == [
        dept("区统计局"),
        dept("汉丰街道"),
    ]
    assert not made.check_password("Kechuang@2021") and not made.check_password("")
    page = client_as("sysadmin").get(f"/org/users/{made.pk}/").content.decode()
    assert "尚未设置密码，不能登录" in page and "设置初始密码" in page
    assert User.objects.get(username="hanfeng").phone == "023-52200000"


def test_account_rows_beyond_the_importers_reach_are_refused(client_as, dept):
    from kechuang.org.models import RoleGrant

    root = Department.objects.get(depth=1)
    outside = Department.objects.add_child(root, instance=Department(name="市属单位", kind="unit"))
    # an account the district's administrator does not manage: a city-wide leader
    boss = User.objects.create(username="city_boss", display_name="市领导")
    Membership.objects.create(user=boss, department=root, is_primary=True)
    RoleGrant.objects.create(user=boss, role="leader", scope="all")
    data = xlsx(
        USER_HEADERS,
        [
            ["newbie", "新人", "", "市属单位", "", ""],
            ["city_boss", "市领导", "110", "区科技局", "", ""],
            ["sysadmin", "信息中心管理员", "", "区科技局", "", "否"],
            ["Hanfeng", "韩锋", "", "汉丰街道", "", ""],
            ["x y", "空格", "", "汉丰街道", "91500154MA5U4C8F9P", ""],
        ],
    )
    job = imported(client_as("sysadmin"), "users", data)
    errors = errors_of(job)
    assert job.status == "validated" and job.error_rows == 5, job.errors
    assert errors[(2, "所属单位")] == f"单位“{outside.name}”不在您的管理范围内"
    assert errors[(3, "用户名")] == "该账号不在您的管理范围内"
    assert errors[(4, "启用")] == "不能停用自己的账号"
    assert errors[(5, "用户名")] == "已有用户名“hanfeng”（用户名不区分大小写）"
    assert "未找到该企业" in errors[(6, "关联企业信用代码")]
    assert not User.objects.filter(username="newbie").exists()
    assert not Membership.objects.filter(department=outside).exists()


def test_the_user_export_names_departments_and_roles_and_shows_no_password(client_as):
    book = b"".join(client_as("sysadmin").get("/tables/users/export.xlsx").streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(book), read_only=True)["数据"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert "所属单位" in header and "角色" in header and not any("密码" == h for h in header)
    hanfeng = next(r for r in rows if r[header.index("用户名")] == "hanfeng")
    assert hanfeng[header.index("所属单位")] == "汉丰街道"
    assert hanfeng[header.index("已设密码")] == "是"
    assert not any("pbkdf2" in str(cell) for row in rows for cell in row)


def test_an_administrator_cannot_deactivate_their_own_account_by_import(client_as):
    me = User.objects.get(username="sysadmin")
    departments = "；".join(m.department.name for m in me.memberships.order_by("-is_primary", "pk"))
    data = xlsx(USER_HEADERS, [["sysadmin", me.display_name, me.phone, departments, "", "否"]])
    job = imported(client_as("sysadmin"), "users", data)
    assert errors_of(job) == {(2, "启用"): "不能停用自己的账号"}
    assert User.objects.get(pk=me.pk).is_active
