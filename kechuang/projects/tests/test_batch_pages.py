"""The 立项 pages: from the call's page to the review and the list, the batch's page (lines, 公示,
objections, 下达), and the public 公示 page — through the test client, as the bureau, a leader, an
enterprise and an anonymous visitor."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.projects.models import (
    ApprovalBatch,
    BatchLine,
    BatchStatus,
    Decision,
    Objection,
    ObjectionStatus,
    Project,
    Status,
)
from kechuang.projects.tests.test_approval import reviewed_call
from kechuang.projects.tests.test_selection import applied, open_call
from kechuang.reviews.models import Discipline, ReviewRound
from kechuang.testing.registry import RegistryTests

pytestmark = pytest.mark.django_db


class TestBatchRegistry(RegistryTests):
    registry_key = "approval-batches"
    scoped = "qiye"  # an enterprise sees no batch (404), its list is empty
    filter_params = [{}, {"status": BatchStatus.PUBLICITY}, {"year": "2025"}, {"q": "区级"}]


@pytest.fixture
def kjj(user):
    return user("kjj")


def _draft_from_the_call_page(client, call) -> ApprovalBatch:
    answer = client.post(
        f"/calls/{call.pk}/batches/", {"publicity_days": "5", "contact": "区科技局 023-52222222"}
    )
    assert answer.status_code == 302, answer.content.decode()
    batch = ApprovalBatch.objects.get(call=call)
    assert answer["Location"] == batch.get_absolute_url()
    return batch


def test_the_call_page_sends_to_review_and_shows_the_ranking(kjj, client_as):
    call = open_call()
    field = Discipline.objects.order_by("order").first()
    firm = Enterprise.objects.filter(
        is_active=True, town__path__startswith=call.department.region().path
    ).first()
    applied(call, firm, kjj, name="页面评审项目", discipline=field)
    bureau = client_as("kjj")
    page = bureau.get(f"/calls/{call.pk}/").content.decode()
    assert "组织专家评审" in page and "拟定立项名单" in page
    refused = bureau.post(f"/calls/{call.pk}/review/", {"experts_per_item": "3"})
    assert refused.status_code == 400 and "这个字段是必填项" in refused.content.decode()
    deadline = timezone.localdate() + timedelta(days=10)
    answer = bureau.post(
        f"/calls/{call.pk}/review/", {"deadline": deadline.isoformat(), "experts_per_item": "3"}
    )
    review_round = ReviewRound.objects.get(items__object_id=Project.objects.get(call=call).pk)
    assert answer.status_code == 302 and answer["Location"] == review_round.get_absolute_url()
    assert review_round.experts_per_item == 3 and review_round.deadline == deadline
    page = bureau.get(f"/calls/{call.pk}/").content.decode()
    assert review_round.title in page
    # nothing more to review: the refusal on the page
    again = bureau.post(
        f"/calls/{call.pk}/review/", {"deadline": deadline.isoformat(), "experts_per_item": "3"}
    )
    assert again.status_code == 400 and "没有待评审的已受理申报" in again.content.decode()
    # a leader sees the call but not the keeper's forms, and may not post them
    leader = client_as("leader")
    assert "组织专家评审" not in leader.get(f"/calls/{call.pk}/").content.decode()
    assert leader.post(f"/calls/{call.pk}/batches/", {"publicity_days": "5"}).status_code == 403


def test_the_bureau_drafts_edits_publishes_hears_objections_and_decides(kjj, client_as):
    call, made = reviewed_call(kjj, count=3, budget="500000")
    bureau = client_as("kjj")
    page = bureau.get(f"/calls/{call.pk}/").content.decode()
    assert "评审排名" in page and "90.00" in page  # the ranking: trimmed means to two decimals
    batch = _draft_from_the_call_page(bureau, call)
    page = bureau.get(batch.get_absolute_url()).content.decode()
    assert "发布公示" in page and made[0].name in page and "项目2" in page
    assert "共 3 项，拟立项 2 项，拟资助 40.00 万元" in page
    first = batch.lines.get(project=made[0])
    # more than requested: refused, the line named, nothing stored
    answer = bureau.post(
        f"/projects/batches/{batch.pk}/lines/{first.pk}/",
        {
            f"line{first.pk}-decision": "立项",
            f"line{first.pk}-funded": "250000",
            f"line{first.pk}-reason": "",
        },
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "超过申请的财政资助" in html and f"“{made[0].name}”" in html
    assert BatchLine.objects.get(pk=first.pk).funded == Decimal("200000")
    # a cut with its reason
    answer = bureau.post(
        f"/projects/batches/{batch.pk}/lines/{first.pk}/",
        {
            f"line{first.pk}-decision": "立项",
            f"line{first.pk}-funded": "150000",
            f"line{first.pk}-reason": "核减设备费",
        },
    )
    assert answer.status_code == 302
    stored = BatchLine.objects.get(pk=first.pk)
    assert (stored.funded, stored.reason) == (Decimal("150000"), "核减设备费")
    # 发布公示
    assert bureau.post(f"/projects/batches/{batch.pk}/publish/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLICITY and batch.publicity_from == timezone.localdate()
    page = bureau.get(batch.get_absolute_url()).content.decode()
    assert "登记异议" in page and "下达立项" in page and f"/public/publicity/{batch.pk}/" in page
    assert f"lines/{first.pk}/" not in page  # the list is fixed while it is published
    # an objection recorded, then resolved
    answer = bureau.post(
        f"/projects/batches/{batch.pk}/objections/",
        {
            "received_on": timezone.localdate().isoformat(),
            "name": "某科技公司",
            "contact": "13900000000",
            "line": str(first.pk),
            "content": "专利权属存疑",
        },
    )
    assert answer.status_code == 302
    objection = Objection.objects.get(batch=batch)
    assert objection.line_id == first.pk
    refused = bureau.post(f"/projects/batches/{batch.pk}/objections/{objection.pk}/resolve/", {})
    assert refused.status_code == 400
    answer = bureau.post(
        f"/projects/batches/{batch.pk}/objections/{objection.pk}/resolve/",
        {f"objection{objection.pk}-upheld": "0", f"objection{objection.pk}-resolution": "经核实权属清楚"},
    )
    assert answer.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.RESOLVED and objection.upheld is False
    # 下达 waits for the end of the period
    refused = bureau.post(
        f"/projects/batches/{batch.pk}/decide/",
        {"document_number": "开科发〔2026〕12号", "decided_on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 400 and "期满后方可下达" in refused.content.decode()
    ApprovalBatch.objects.filter(pk=batch.pk).update(
        publicity_from=timezone.localdate() - timedelta(days=15),
        publicity_until=timezone.localdate() - timedelta(days=1),
    )
    answer = bureau.post(
        f"/projects/batches/{batch.pk}/decide/",
        {"document_number": "开科发〔2026〕12号", "decided_on": timezone.localdate().isoformat()},
    )
    assert answer.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DECIDED and batch.document_number == "开科发〔2026〕12号"
    statuses = [Project.objects.get(pk=p.pk).status for p in made]
    assert statuses == [Status.APPROVED, Status.APPROVED, Status.REJECTED]
    assert Project.objects.get(pk=made[0].pk).funding == Decimal("150000")
    page = bureau.get(batch.get_absolute_url()).content.decode()
    assert "下达立项</button>" not in page and "登记异议</button>" not in page


def test_the_public_page_shows_the_funded_lines_only(kjj, client_as):
    call, made = reviewed_call(kjj, count=3, budget="500000")
    bureau = client_as("kjj")
    batch = _draft_from_the_call_page(bureau, call)
    anonymous = Client()
    assert anonymous.get(f"/public/publicity/{batch.pk}/").status_code == 404  # 拟定: not public yet
    assert anonymous.get("/public/publicity/").status_code == 200
    bureau.post(f"/projects/batches/{batch.pk}/publish/")
    answer = anonymous.get(f"/public/publicity/{batch.pk}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert made[0].name in html and made[1].name in html and "区科技局 023-52222222" in html
    declined = BatchLine.objects.get(batch=batch, decision=Decision.DECLINE).project
    assert declined.name not in html  # no declined application
    for score in BatchLine.objects.filter(batch=batch).values_list("score", flat=True):
        assert score not in html  # no score
    assert "评审" not in html and "13800000000" not in html
    assert batch.title in anonymous.get("/public/publicity/").content.decode()


def test_a_leader_reads_without_forms_and_an_enterprise_not_at_all(kjj, client_as):
    call, made = reviewed_call(kjj, count=2, budget="1000000")
    batch = _draft_from_the_call_page(client_as("kjj"), call)
    line = batch.lines.first()
    leader = client_as("leader")
    page = leader.get(batch.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert made[0].name in html and "<form" not in html.split("立项名单", 1)[1].split("办理", 1)[0]
    assert "发布公示</button>" not in html
    answer = leader.post(
        f"/projects/batches/{batch.pk}/lines/{line.pk}/",
        {f"line{line.pk}-decision": "不予立项", f"line{line.pk}-funded": "0", f"line{line.pk}-reason": "x"},
    )
    assert answer.status_code == 403
    assert leader.post(f"/projects/batches/{batch.pk}/publish/").status_code == 403
    assert BatchLine.objects.get(pk=line.pk).decision == Decision.FUND
    assert ApprovalBatch.objects.get(pk=batch.pk).status == BatchStatus.DRAFT
    enterprise = client_as("qiye")
    assert enterprise.get(batch.get_absolute_url()).status_code == 404
    assert batch.title not in enterprise.get("/projects/batches/").content.decode()
