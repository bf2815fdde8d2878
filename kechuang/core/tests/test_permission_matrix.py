"""Every role × every page and API endpoint: who gets 200, who 403 (no right), who 404 (out of scope).

Anonymous visitors are sent to the login page (HTML) or get 401 (API).
"""

import pytest

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise, Submission
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
    submission = Submission.objects.create(
        enterprise=own, kind="profile", values={"contact_name": "王"}, status="accepted"
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
        (f"/enterprises/{own.pk}/edit/", only("kjj")),
        (f"/enterprises/{own.pk}/years/2024/edit/", only("kjj")),
        (f"/enterprises/{other.pk}/years/2024/edit/", only("kjj")),
        # an enterprise proposes changes to its own record; the bureau edits the ledger directly
        (f"/enterprises/{own.pk}/propose/", only("qiye")),
        (f"/enterprises/{own.pk}/years/2024/propose/", only("qiye")),
        (f"/enterprises/{other.pk}/propose/", only(qiye=404)),
        (f"/enterprises/{other.pk}/years/2024/propose/", only(qiye=404)),
        ("/enterprises/submissions/", only(*viewers)),
        (f"/enterprises/submissions/{submission.pk}/", only(*viewers, jxw=404)),
        (f"/enterprises/{own.pk}/qualifications/new/", only("kjj")),
        ("/tables/enterprises/", only(*viewers)),
        ("/tables/enterprise-years/", only(*viewers)),
        ("/tables/enterprises/template.xlsx", only("kjj")),
        ("/tables/enterprise-years/template.xlsx", only("kjj")),
        ("/tables/enterprise-years/export.xlsx", only(*viewers)),
        ("/tables/qualifications/template.xlsx", only("kjj")),
        ("/platforms/", only(*viewers)),
        ("/progress/cockpit/", EVERYONE),
        ("/progress/rounds/", EVERYONE),
        ("/progress/notifications/", EVERYONE),
        (f"/progress/rounds/{reporting_round.pk}/", EVERYONE),
        (f"/progress/reports/{jxw_report.pk}/", only("sysadmin", "kjj", "jxw", "leader", others=404)),
        ("/tables/platforms/template.xlsx", only("kjj")),
        ("/tables/qualifications/export.xlsx", only(*viewers)),
        ("/tables/no-such-sheet/", dict.fromkeys(ROLES, 404)),
        (f"/tables/jobs/{job.pk}/", only("kjj", "sysadmin", others=404)),  # its owner, and all-scope IT
        (f"/progress/targets/{target.pk}/records/", EVERYONE),
    ]


def api_endpoints():
    plan = Plan.objects.get(doc_number="开州府办发〔2021〕63号")
    task = Task.objects.filter(programme__plan=plan).order_by("pk").first()
    jxw_dept = find_department(["重庆市", "开州区", "区经济信息委"])
    hanfeng = User.objects.get(username="hanfeng")
    return [
        ("/api/v1/plans", EVERYONE),
        (f"/api/v1/plans/{plan.pk}", EVERYONE),
        (f"/api/v1/tasks/{task.pk}", EVERYONE),
        ("/api/v1/departments", only(*STAFF)),
        (f"/api/v1/departments/{jxw_dept.pk}", only(*STAFF, hanfeng=404)),
        (f"/api/v1/users/{hanfeng.pk}", only("sysadmin", "kjj")),
        ("/api/v1/metrics", EVERYONE),
        ("/api/v1/cockpit?as_of=2023-06-30", EVERYONE),
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


def test_submitting_is_post_only(client_as, user):
    own = user("qiye").enterprises.get()
    submission = Submission.objects.create(enterprise=own, kind="profile", values={"contact_name": "王"})
    assert client_as("qiye").get(f"/enterprises/submissions/{submission.pk}/submit/").status_code == 405


def test_revoke_is_post_only(client_as, user):
    grant = user("hanfeng").grants.first()
    assert client_as("sysadmin").get(f"/org/grants/{grant.pk}/revoke/").status_code == 405
