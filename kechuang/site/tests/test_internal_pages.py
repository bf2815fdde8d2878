"""Internal dashboards are for internal roles: external roles (企业用户, 评审专家, 服务机构) see the plan's
text and what is theirs, with no link to the cockpit, the drill-down or the reporting rounds."""

import pytest

from kechuang.org.loading import find_department
from kechuang.plans.models import Plan, Target
from kechuang.progress.models import Report, ReportingRound

pytestmark = pytest.mark.django_db

INTERNAL = ("kjj", "jxw", "hanfeng", "leader")  # roles that follow the plan's progress
EXTERNAL = ("qiye", "expert", "fuwu")
ADMINS = ("sysadmin", "anquan", "shenji")  # 三员分立: the administrators see no business data either


@pytest.mark.parametrize("role", EXTERNAL + ADMINS)
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
