"""Every role × every page and API endpoint: who gets 200, who 403 (no right), who 404 (out of scope).

Anonymous visitors are sent to the login page (HTML) or get 401 (API); an API token answers like its
user's session.
"""

import pytest
from django.test import Client

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise
from kechuang.org.actions import create_token
from kechuang.org.loading import find_department
from kechuang.org.models import User
from kechuang.plans.models import Plan, PlanDraft, Target, Task
from kechuang.progress.models import Report, ReportingRound
from kechuang.tabular.models import ImportJob

pytestmark = pytest.mark.django_db

ROLES = ["sysadmin", "kjj", "jxw", "hanfeng", "leader", "qiye", "expert", "fuwu"]
EVERYONE = dict.fromkeys(ROLES, 200)


def only(*allowed, others=403, **special):
    result = {role: (200 if role in allowed else others) for role in ROLES}
    result.update(special)
    return result


STAFF = ("sysadmin", "kjj", "jxw", "hanfeng", "leader")  # roles that see the department directory
INTERNAL = ("sysadmin", "kjj", "jxw", "hanfeng", "leader")  # roles that follow the plan's progress
EXTERNAL = ("qiye", "expert", "fuwu")


def pages():
    kz = ["重庆市", "开州区"]
    jxw_dept = find_department([*kz, "区经济信息委"])
    plan = Plan.objects.get(doc_number="开州府办发〔2021〕63号")
    task = Task.objects.filter(programme__plan=plan).order_by("pk").first()
    hanfeng = User.objects.get(username="hanfeng")
    entry = ChangeEntry.objects.filter(object_repr="区经济信息委", action="create").first()
    own = User.objects.get(username="qiye").enterprises.get()  # in 汉丰街道
    other = Enterprise.objects.exclude(town__name="汉丰街道").order_by("pk").first()
    viewers = ("sysadmin", "kjj", "jxw", "hanfeng", "leader", "qiye")
    job = ImportJob.objects.create(
        sheet="enterprises",
        user=User.objects.get(username="kjj"),
        file="imports/x.xlsx",
        original_name="x.xlsx",
        status="refused",
        file_error="示例",
    )
    target = Target.objects.get(indicator__code="1-1", year=2021)
    reporting_round = ReportingRound.objects.create(
        plan=Plan.objects.get(),
        frequency="yearly",
        period="2030",
        period_start="2030-01-01",
        period_end="2030-12-31",
        due_on="2031-01-31",
    )
    draft = PlanDraft.objects.create(
        department=plan.department, source_text="到2025年，高新技术企业达到100家。", title="识别稿"
    )
    jxw_report = Report.objects.create(
        round=reporting_round, department=find_department([*kz, "区经济信息委"])
    )
    return [
        ("/", EVERYONE),
        ("/plans/", EVERYONE),
        (f"/plans/{plan.pk}/", EVERYONE),
        (f"/plans/{plan.pk}/programmes/1/", EVERYONE),
        (f"/plans/{plan.pk}/programmes/8/", EVERYONE),
        (f"/plans/{plan.pk}/source/", EVERYONE),
        (f"/plans/{plan.pk}/export.json", EVERYONE),
        (f"/plans/tasks/{task.pk}/", EVERYONE),
        (f"/plans/tasks/{task.pk}/edit/", only("kjj")),
        ("/plans/drafts/", only("kjj")),
        ("/plans/drafts/new/", only("kjj")),
        (f"/plans/drafts/{draft.pk}/", only("kjj")),
        ("/org/departments/", only(*STAFF)),
        (f"/org/departments/{jxw_dept.pk}/", only(*STAFF, hanfeng=404)),
        ("/org/departments/new/", only("sysadmin")),
        (f"/org/departments/{jxw_dept.pk}/edit/", only("sysadmin")),
        ("/org/users/", only("sysadmin", "kjj")),
        ("/org/users/new/", only("sysadmin", "kjj")),
        (f"/org/users/{hanfeng.pk}/", only("sysadmin", "kjj")),
        (f"/org/users/{hanfeng.pk}/edit/", only("sysadmin", "kjj")),
        (f"/org/users/{hanfeng.pk}/password/", only("sysadmin", "kjj")),
        (f"/org/users/{hanfeng.pk}/grants/new/", only("sysadmin", "kjj")),
        ("/org/profile/", EVERYONE),
        ("/api/v1/docs", EVERYONE),  # the API's docs page is a page: anonymous visitors go to the login
        ("/accounts/password/", EVERYONE),
        ("/audit/changes/", only("sysadmin", "kjj")),
        (f"/audit/changes/{entry.pk}/", only("sysadmin", "kjj")),
        ("/audit/logins/", only("sysadmin", "kjj")),
        ("/enterprises/", only(*viewers)),
        ("/enterprises/reserve/", only(*viewers)),
        ("/enterprises/new/", only("kjj")),
        (f"/enterprises/{own.pk}/", only(*viewers, jxw=404)),
        (f"/enterprises/{other.pk}/", only(*viewers, jxw=404, hanfeng=404, qiye=404)),
        (f"/enterprises/{own.pk}/years/2024/", only(*viewers, jxw=404)),
        (f"/enterprises/{own.pk}/edit/", only("kjj", "qiye")),
        (f"/enterprises/{own.pk}/years/2024/edit/", only("kjj", "qiye")),
        (f"/enterprises/{other.pk}/years/2024/edit/", only("kjj", qiye=404)),
        (f"/enterprises/{own.pk}/qualifications/new/", only("kjj")),
        ("/tables/enterprises/", only(*viewers)),
        ("/tables/enterprise-years/", only(*viewers)),
        ("/tables/enterprises/template.xlsx", only("kjj")),
        ("/tables/enterprise-profiles/", only(*viewers)),
        ("/tables/enterprise-profiles/template.xlsx", only("kjj")),
        ("/tables/enterprise-years/template.xlsx", only("kjj", "qiye")),
        ("/tables/enterprise-years/export.xlsx", only(*viewers)),
        ("/tables/qualifications/template.xlsx", only("kjj")),
        ("/platforms/", only(*viewers)),
        ("/progress/cockpit/", only(*INTERNAL)),
        ("/progress/cockpit/?as_of=2023-06-30", only(*INTERNAL)),
        ("/progress/rounds/", only(*INTERNAL)),
        ("/progress/notifications/", EVERYONE),
        (f"/progress/rounds/{reporting_round.pk}/", only(*INTERNAL)),
        (f"/progress/reports/{jxw_report.pk}/", only("sysadmin", "kjj", "jxw", "leader", hanfeng=404)),
        ("/progress/values/999999/evidence/", only(others=403, **dict.fromkeys(INTERNAL, 404))),
        ("/tables/platforms/template.xlsx", only("kjj")),
        ("/tables/qualifications/export.xlsx", only(*viewers)),
        ("/tables/no-such-sheet/", dict.fromkeys(ROLES, 404)),
        (f"/tables/jobs/{job.pk}/", only("kjj", "sysadmin", others=404)),  # its owner, and all-scope IT
        (f"/progress/targets/{target.pk}/records/", only(*INTERNAL)),
    ]


def api_endpoints():
    plan = Plan.objects.get(doc_number="开州府办发〔2021〕63号")
    task = Task.objects.filter(programme__plan=plan).order_by("pk").first()
    jxw_dept = find_department(["重庆市", "开州区", "区经济信息委"])
    hanfeng = User.objects.get(username="hanfeng")
    return [
        ("/api/v1/openapi.json", EVERYONE),
        ("/api/v1/me", EVERYONE),
        ("/api/v1/plans", EVERYONE),
        (f"/api/v1/plans/{plan.pk}", EVERYONE),
        (f"/api/v1/tasks/{task.pk}", EVERYONE),
        ("/api/v1/departments", only(*STAFF)),
        (f"/api/v1/departments/{jxw_dept.pk}", only(*STAFF, hanfeng=404)),
        (f"/api/v1/users/{hanfeng.pk}", only("sysadmin", "kjj")),
        ("/api/v1/metrics", EVERYONE),
        ("/api/v1/cockpit?as_of=2023-06-30", only(*INTERNAL)),
        ("/api/v1/cockpit", only(*INTERNAL)),
        (
            "/api/v1/metrics/plans.tasks_completed?period=2021&scope=" + str(jxw_dept.pk),
            only("sysadmin", "kjj", "jxw", "leader", others=404),
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_role(role, client_as):
    client = client_as(role)
    failures = []
    for url, expected in pages():
        status = client.get(url).status_code
        if status != expected[role]:
            failures.append(f"{url}: {status} ≠ {expected[role]}")
    assert not failures, f"{role}: " + "; ".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_every_api_endpoint_for_role(role, client_as):
    client = client_as(role)
    failures = []
    for url, expected in api_endpoints():
        status = client.get(url).status_code
        if status != expected[role]:
            failures.append(f"{url}: {status} ≠ {expected[role]}")
    assert not failures, f"{role}: " + "; ".join(failures)


def test_anonymous_is_sent_to_login_or_gets_401(client):
    for url, _ in pages():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for url, _ in api_endpoints():
        assert client.get(url).status_code == 401, url


def test_revoke_is_post_only(client_as, user):
    grant = user("hanfeng").grants.first()
    assert client_as("sysadmin").get(f"/org/grants/{grant.pk}/revoke/").status_code == 405
    token, _ = create_token(user("hanfeng"), name="对接")
    assert client_as("hanfeng").get(f"/org/tokens/{token.pk}/revoke/").status_code == 405
    assert client_as("hanfeng").get("/org/profile/tokens/new/").status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_every_api_endpoint_with_a_token(role, user):
    """A token answers exactly like its user's session, endpoint by endpoint."""
    _, secret = create_token(user(role), name="对接")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    failures = []
    for url, expected in api_endpoints():
        status = client.get(url).status_code
        if status != expected[role]:
            failures.append(f"{url}: {status} ≠ {expected[role]}")
    assert not failures, f"{role}: " + "; ".join(failures)


@pytest.mark.parametrize("role", EXTERNAL)
def test_external_roles_see_no_internal_dashboards(role, client_as):
    """Enterprise users, experts and service organisations see the plan's text and what is theirs — not
    the cockpit, the drill-down, the reporting rounds and units' reports, nor links to them."""
    client = client_as(role)
    target = Target.objects.get(indicator__code="1-1", year=2021)
    report = Report.objects.create(
        round=ReportingRound.objects.create(
            plan=Plan.objects.get(),
            frequency="yearly",
            period="2031",
            period_start="2031-01-01",
            period_end="2031-12-31",
            due_on="2032-01-31",
        ),
        department=find_department(["重庆市", "开州区", "汉丰街道"]),
    )
    for url in (
        "/progress/cockpit/",
        "/progress/rounds/",
        f"/progress/rounds/{report.round_id}/",
        f"/progress/reports/{report.pk}/",
        f"/progress/targets/{target.pk}/records/",
        "/api/v1/cockpit",
        "/api/v1/cockpit?as_of=2021-12-31",
    ):
        assert client.get(url).status_code == 403, url
    plan = Plan.objects.get()
    for url in ("/", f"/plans/{plan.pk}/", f"/plans/{plan.pk}/programmes/1/"):
        body = client.get(url).content.decode()
        assert "/progress/cockpit/" not in body and "/progress/rounds/" not in body, url
        assert "/records/" not in body, url
    assert "领导驾驶舱" not in client.get("/").content.decode()


def test_internal_roles_keep_the_dashboards_and_their_links(client_as):
    plan = Plan.objects.get()
    for role in INTERNAL:
        client = client_as(role)
        home = client.get("/").content.decode()
        assert "/progress/cockpit/" in home and "/progress/rounds/" in home, role
        assert "/records/" in client.get(f"/plans/{plan.pk}/programmes/1/").content.decode(), role


def test_enterprise_user_keeps_its_own_enterprise_and_projects(client_as, user):
    client = client_as("qiye")
    own = user("qiye").enterprises.get()
    assert client.get(f"/enterprises/{own.pk}/").status_code == 200
    assert client.get("/projects/").status_code == 200
    assert client.get(f"/plans/{Plan.objects.get().pk}/source/").status_code == 200
