"""Plan from text on the web: upload → proposal → corrections (kept) → a new Plan."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.plans.models import Plan, PlanDraft, Target, TargetSuggestion
from kechuang.plans.parsing.scoring import CORPUS

pytestmark = pytest.mark.django_db
SEED = Path(__file__).resolve().parents[1] / "seed" / "kaizhou_2021_63.txt"


def upload(client, data: bytes, name="方案.txt"):
    return client.post("/plans/drafts/new/", {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def draft(client_as):
    response = upload(client_as("kjj"), SEED.read_bytes())
    assert response.status_code == 302
    return PlanDraft.objects.get()


def form_for(draft, **changes):
    """The draft page's form as the browser would post it, with some rows changed."""
    data = {
        "title": draft.title,
        "doc_number": "开州府办发〔2021〕99号",  # another number: the seed plan already exists
        "issued_on": "2021-08-23",
        "period_start": "2021",
        "period_end": "2025",
        "issuer": "重庆市开州区人民政府办公室",
    }
    for s in draft.suggestions.all():
        for key, value in s.final.items():
            if value is not None and key != "stretch":
                data[f"row-{s.position}-{key}"] = value
        data[f"row-{s.position}-programme"] = s.programme_title
        data[f"row-{s.position}-include"] = "on"
        if s.final.get("stretch"):
            data[f"row-{s.position}-stretch"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_upload_proposes_the_seed_plan_with_its_ten_targets(client_as, draft):
    assert draft.title.endswith("行动方案") and draft.doc_number == "开州府办发〔2021〕63号"
    assert str(draft.issued_on) == "2021-08-23" and (draft.period_start, draft.period_end) == (2021, 2025)
    assert draft.suggestions.count() == 10
    body = client_as("kjj").get(f"/plans/drafts/{draft.pk}/").content.decode()
    assert body.count('class="mark-target"') >= 10 and "2021年新增科技型企业50家" in body


def test_corrections_are_kept_and_confirm_creates_the_plan(client_as, draft):
    client = client_as("kjj")
    changes = {
        "row-2-value": "16",  # edited
        "row-3-include": None,  # rejected
        "new-0-indicator": "科技型企业研发投入",  # added by the clerk
        "new-0-year": "2025",
        "new-0-value": "10",
        "new-0-unit": "亿元",
        "new-0-comparator": "gte",
        "new-0-kind": "stock",
        "new-0-programme": "科技企业成长工程",
        "action": "confirm",
    }
    response = client.post(f"/plans/drafts/{draft.pk}/", form_for(draft, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    decisions = dict(TargetSuggestion.objects.filter(draft=draft).values_list("position", "decision"))
    assert decisions[1] == "accepted" and decisions[2] == "edited" and decisions[3] == "rejected"
    assert decisions[11] == "added"
    assert (
        TargetSuggestion.objects.get(draft=draft, position=2).suggested["value"] == 15
    )  # what the parser said
    plan = Plan.objects.get(doc_number="开州府办发〔2021〕99号")
    draft.refresh_from_db()
    assert draft.plan == plan and draft.status == "confirmed" and not plan.is_active
    targets = Target.objects.filter(indicator__programme__plan=plan)
    assert targets.count() == 10  # 10 proposed − 1 rejected + 1 added
    assert targets.filter(value=16, year=2021).exists() and not targets.filter(value=500).exists()
    titles = list(plan.programmes.values_list("title", flat=True))
    assert titles[:2] == ["科技企业成长工程", "科技创新平台提升工程"]
    for target in targets.exclude(span_start=None):
        assert plan.source_text[target.span_start : target.span_end] == target.span_text
    assert client.get(f"/plans/{plan.pk}/").status_code == 200
    # a confirmed draft cannot be changed any more
    body = client.post(f"/plans/drafts/{draft.pk}/", form_for(draft, action="save")).content.decode()
    assert "已生成方案，不能再修改" in body


def test_bad_rows_are_named_and_nothing_is_stored(client_as, draft):
    client = client_as("kjj")
    changes = {
        "row-1-year": "20211",
        "row-4-value": "一百",
        "row-5-unit": "",
        "row-6-base_year": "2030",
        "action": "confirm",
    }
    body = client.post(f"/plans/drafts/{draft.pk}/", form_for(draft, **changes)).content.decode()
    assert "第 1 行（新增科技型企业）：目标年度“20211”应为 1990–2100 之间的年份。" in body
    assert "第 4 行（高新技术企业）：目标值“一百”不是有效的非负数字。" in body
    assert "第 5 行（新型研发机构）：请填写单位" in body
    assert "第 6 行（各类研发机构）：基期年度必须早于目标年度。" in body
    assert not Plan.objects.filter(doc_number="开州府办发〔2021〕99号").exists()
    assert set(TargetSuggestion.objects.filter(draft=draft).values_list("decision", flat=True)) == {"pending"}


def test_an_existing_document_number_is_refused(client_as, draft):
    data = form_for(draft, doc_number="开州府办发〔2021〕63号", action="confirm")
    body = client_as("kjj").post(f"/plans/drafts/{draft.pk}/", data).content.decode()
    assert "文号“开州府办发〔2021〕63号”的方案已经存在" in body
    assert Plan.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "请上传方案文件或粘贴方案原文"),
        (b"\x00\x01binary" * 30, "二进制文件"),
        ("到2025年…".encode("utf-16-le"), ""),
    ],
)
def test_bad_uploads_are_refused_with_a_message(client_as, data, message):
    client = client_as("kjj")
    if not data:
        body = client.post("/plans/drafts/new/", {"text": "  "}).content.decode()
    else:
        body = client.post("/plans/drafts/new/", {"file": SimpleUploadedFile("x.txt", data)}).content.decode()
    if message:
        assert message in body
    assert PlanDraft.objects.count() == (0 if message else PlanDraft.objects.count())


def test_pasted_text_without_targets_gives_an_empty_proposal(client_as):
    response = client_as("kjj").post(
        "/plans/drafts/new/", {"text": "关于加强科普工作的通知\n各单位要认真抓好落实。"}
    )
    assert response.status_code == 302
    body = client_as("kjj").get(response["Location"]).content.decode()
    assert "没有识别出量化目标" in body


def test_only_plan_editors_of_the_region_reach_drafts(client_as, draft):
    assert client_as("jxw").get("/plans/drafts/new/").status_code == 403
    assert client_as("jxw").get(f"/plans/drafts/{draft.pk}/").status_code == 403
    assert client_as("leader").post(f"/plans/drafts/{draft.pk}/", {"action": "discard"}).status_code == 403
    assert PlanDraft.objects.get(pk=draft.pk).status == "draft"


def test_the_corpus_is_there():
    assert len(list(CORPUS.glob("*.gold.json"))) >= 10


def test_confirmed_drafts_become_corpus_documents(client_as, draft, tmp_path):
    import io
    import json

    from django.core.management import call_command

    client_as("kjj").post(
        f"/plans/drafts/{draft.pk}/",
        form_for(draft, **{"row-2-value": "16", "row-3-include": None, "action": "confirm"}),
    )
    call_command("plan", "export-corpus", str(tmp_path), stdout=io.StringIO())
    gold = json.loads((tmp_path / f"draft_{draft.pk}.gold.json").read_text(encoding="utf-8"))
    assert len(gold["targets"]) == 9 and any(t["value"] == 16 for t in gold["targets"])
    out = io.StringIO()
    call_command("plan", "evaluate", str(tmp_path), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    # the parser said 15 where the clerk said 16: one miss and one spurious target, the rest match
    assert (figures["gold"], figures["matched"], figures["predicted"]) == (9, 8, 10)


def test_a_draft_moves_through_the_workflow(client_as, draft, user):
    from kechuang.org.actions import ActionRefused
    from kechuang.plans import drafting
    from kechuang.workflow import engine

    client = client_as("kjj")
    stale = PlanDraft.objects.get(pk=draft.pk)
    stale.doc_number = "开州府办发〔2021〕99号"
    client.post(f"/plans/drafts/{draft.pk}/", form_for(draft, action="discard"))
    draft.refresh_from_db()
    assert draft.status == "discarded"
    # a second page still showing the draft cannot confirm it: nothing of a plan is left behind
    with pytest.raises(ActionRefused, match="已被他人处理"):
        drafting.confirm(user("kjj"), stale, issuer="重庆市开州区人民政府办公室")
    assert not Plan.objects.filter(doc_number="开州府办发〔2021〕99号").exists()
    page = client.get(f"/plans/drafts/{draft.pk}/").content.decode()
    assert "确认恢复识别稿" in page and "放弃识别稿" in page  # the panel and its timeline
    response = client.post(
        f"/workflow/plans.plandraft/{draft.pk}/restore/", {"comment": "误操作"}, follow=True
    )
    assert "已恢复识别稿" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert [e.transition for e in engine.history(draft)] == ["discard", "restore"]
    # a leader does not draft plans: the draft's actions are refused before it is looked up
    assert client_as("leader").post(f"/workflow/plans.plandraft/{draft.pk}/discard/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"
