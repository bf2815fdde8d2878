"""科技创新券 end to end on the demo: issued (claimed by an enterprise within its yearly cap, issued by the
bureau to the eligible), redeemed by a registered institution with its contract and invoice, flagged,
verified, sent back, settled, voided — and every refusal on the way with nothing stored: an ineligible
enterprise, the cap, the total, a voucher redeemed twice (also by a stale copy: compare-and-set), beyond
the face value or the invoice's share, by a suspended institution or an account not its own, expired,
a conditional voucher before the firm is a 高企, a flagged redemption verified without a note."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kechuang.enterprises.models import Enterprise, Qualification, QualificationKind
from kechuang.org.actions import ActionRefused
from kechuang.vouchers import actions
from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherAttachment, VoucherStatus, VoucherType
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _files():
    return {
        "contract_file": SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf"),
        "invoice_file": SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf"),
    }


def _service():
    return VoucherType.objects.get(name="科技创新券（研发服务）")


def _conditional():
    return VoucherType.objects.get(name="科技创新券（高企培育·条件券）")


def _provider():
    return ServiceProvider.objects.get(is_active=True, users__username="fuwu")


def _terms(**changes):
    terms = {
        "provider": _provider(),
        "service_content": "产品检验检测",
        "contract_number": "HT-001",
        "contract_amount": Decimal("60000"),
        "invoice_number": "INV-001",
        "invoice_amount": Decimal("50000"),
        "redeemed_amount": Decimal("20000"),
        **_files(),
    }
    terms.update(changes)
    return terms


def _fresh(kjj, vtype=None):
    """A voucher just issued to an eligible enterprise of the demo."""
    vtype = vtype or _service()
    [enterprise] = actions.eligible_enterprises(kjj, vtype)[:1]
    [voucher] = actions.issue(kjj, vtype, [enterprise])
    return Voucher.objects.select_related("type", "enterprise").get(pk=voucher.pk)


def test_the_demo_has_vouchers_in_every_state():
    states = set(Voucher.objects.values_list("status", flat=True))
    assert states == set(VoucherStatus.values)
    assert Voucher.objects.exclude(flags=[]).filter(status=VoucherStatus.REDEEMED).exists()
    assert Voucher.objects.filter(enterprise__users__username="qiye", status=VoucherStatus.ISSUED).exists()


def test_claims_keep_eligibility_the_yearly_cap_and_the_total(user):
    kjj, qiye = user("kjj"), user("qiye")
    own = Enterprise.objects.get(users=qiye)
    before = Voucher.objects.count()
    with pytest.raises(ActionRefused, match="已领取过"):
        actions.claim(qiye, _service(), own)
    # the conditional type too: 2万 + 3万 reach the 5万 cap exactly
    third = actions.save_type(
        kjj,
        None,
        department=_service().department,
        name="科技创新券（测试）",
        year=_service().year,
        face_value=Decimal("10000"),
        valid_from=_service().valid_from,
        valid_to=_service().valid_to,
        annual_cap=Decimal("50000"),
        total_count=1,
    )
    if not Voucher.objects.filter(type=_conditional(), enterprise=own).exists():
        actions.claim(qiye, _conditional(), own)
    with pytest.raises(ActionRefused, match="超过每家企业年度上限"):
        actions.claim(qiye, third, own)
    # without the qualification the type asks for: refused, naming it
    third.eligible_kinds.set([QualificationKind.objects.get(code="hte")])
    outsider = (
        Enterprise.objects.exclude(qualifications__kind__code="hte").exclude(vouchers__isnull=False).first()
    )
    with pytest.raises(ActionRefused, match="未持有有效的高新技术企业资质"):
        actions.issue(kjj, third, [outsider])
    third.eligible_kinds.set([])
    actions.issue(kjj, third, [outsider])
    another = Enterprise.objects.exclude(vouchers__isnull=False).exclude(pk=outsider.pk).first()
    with pytest.raises(ActionRefused, match="达到发放总量"):
        actions.issue(kjj, third, [another])
    # an enterprise's account claims only for its own enterprise
    with pytest.raises(ActionRefused, match="没有为"):
        actions.claim(qiye, _service(), another)
    assert Voucher.objects.count() == before + 2  # the conditional claim and the one issued


def test_a_voucher_from_redemption_to_settlement(user):
    kjj, fuwu = user("kjj"), user("fuwu")
    voucher = _fresh(kjj)
    stale = Voucher.objects.get(pk=voucher.pk)
    # beyond the face value, beyond half the invoice: refused, nothing stored
    with pytest.raises(ValidationError) as error:
        actions.redeem(
            fuwu, voucher, **_terms(redeemed_amount=Decimal("25000"), invoice_amount=Decimal("60000"))
        )
    assert "超过面值" in str(error.value)
    with pytest.raises(ValidationError) as error:
        actions.redeem(fuwu, voucher, **_terms(invoice_amount=Decimal("30000")))
    assert "超过发票金额的 50%" in str(error.value)
    with pytest.raises(ValidationError) as error:
        actions.redeem(fuwu, voucher, **_terms(invoice_file=None))
    assert "请上传发票" in str(error.value)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED and voucher.provider_id is None
    assert not VoucherAttachment.objects.filter(voucher=voucher).exists()

    actions.redeem(fuwu, voucher, **_terms())
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REDEEMED and voucher.provider == _provider()
    assert voucher.redeemed_on == timezone.localdate() and voucher.redeemed_by == fuwu
    assert sorted(voucher.attachments.values_list("kind", flat=True)) == ["发票", "合同"]
    # redeemed twice: the current copy and a stale one (compare-and-set on the state)
    with pytest.raises(ActionRefused, match="不能兑付"):
        actions.redeem(fuwu, voucher, **_terms())
    redemption = {k: v for k, v in _terms().items() if not k.endswith("_file")}
    redemption.update(redeemed_on=timezone.localdate(), redeemed_by=fuwu)
    with pytest.raises(ActionRefused, match="已被他人处理"):
        workflow.perform(stale, "redeem", fuwu, changes=redemption)
    assert voucher.attachments.count() == 2

    # sent back: usable again, the redemption cleared
    workflow.perform(voucher, "send_back", kjj, comment="发票抬头与企业名称不符")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED and voucher.provider_id is None and voucher.flags == []
    actions.redeem(fuwu, voucher, **_terms(invoice_number="INV-002"))
    voucher.refresh_from_db()
    workflow.perform(voucher, "verify", kjj, changes={"verify_note": "合同、发票齐全"})
    with pytest.raises(ActionRefused, match="当前状态"):
        workflow.perform(voucher, "void", kjj, comment="误操作")
    actions.settle_many(kjj, [voucher], settled_on=timezone.localdate(), settlement_number="JS-9")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SETTLED and voucher.settlement_number == "JS-9"


def test_who_may_redeem_and_what(user):
    kjj, fuwu, qiye = user("kjj"), user("fuwu"), user("qiye")
    voucher = _fresh(kjj)
    suspended = ServiceProvider.objects.get(is_active=False)
    with pytest.raises(ActionRefused, match="在册服务机构"):
        actions.redeem(fuwu, voucher, **_terms(provider=suspended))
    with pytest.raises(ActionRefused, match="没有兑付创新券的权限"):
        workflow.perform(voucher, "redeem", qiye, changes={"provider": _provider()})
    provider = _provider()
    suspended.users.add(fuwu)
    provider.users.remove(fuwu)
    with pytest.raises(ActionRefused, match="不属于在册的创新券服务机构"):
        actions.find_for_redemption(fuwu, voucher.number, voucher.enterprise.credit_code)
    provider.users.add(fuwu)
    with pytest.raises(ValidationError, match="券号与持券企业"):
        actions.find_for_redemption(fuwu, voucher.number, "91500154MA5U000000")
    assert (
        actions.find_for_redemption(fuwu, voucher.number.lower(), voucher.enterprise.credit_code) == voucher
    )
    # expired
    Voucher.objects.filter(pk=voucher.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    voucher.refresh_from_db()
    with pytest.raises(ActionRefused, match="过期"):
        actions.redeem(fuwu, voucher, **_terms())
    # voided: never used again
    other = _fresh(kjj)
    workflow.perform(other, "void", kjj, comment="企业注销")
    other.refresh_from_db()
    with pytest.raises(ActionRefused, match="已作废"):
        actions.redeem(fuwu, other, **_terms())
    assert Voucher.objects.get(pk=other.pk).provider_id is None


def test_a_conditional_voucher_waits_for_the_qualification(user):
    kjj, fuwu = user("kjj"), user("fuwu")
    voucher = _fresh(kjj, _conditional())
    Qualification.objects.filter(enterprise=voucher.enterprise, kind__code="hte").delete()
    with pytest.raises(ActionRefused, match="取得高新技术企业资质后方可兑付"):
        actions.redeem(fuwu, voucher, **_terms())
    Qualification.objects.create(
        enterprise=voucher.enterprise,
        kind=QualificationKind.objects.get(code="hte"),
        number="GR2026500099",
        issued_on=timezone.localdate() - timedelta(days=10),
    )
    actions.redeem(fuwu, voucher, **_terms(redeemed_amount=Decimal("25000")))
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REDEEMED


def test_suspicious_redemptions_are_flagged_and_need_a_note(user):
    kjj, fuwu = user("kjj"), user("fuwu")
    provider = _provider()
    voucher = _fresh(kjj)
    enterprise = voucher.enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(contact_name=provider.legal_representative)
    voucher = Voucher.objects.select_related("type", "enterprise").get(pk=voucher.pk)
    today = timezone.localdate()
    full_today = Voucher.objects.filter(
        provider=provider, redeemed_on=today, redeemed_amount=Decimal("20000"), face_value=Decimal("20000")
    ).count()
    actions.redeem(fuwu, voucher, **_terms())
    voucher.refresh_from_db()
    assert any(provider.legal_representative in f for f in voucher.flags)
    assert any(f"第 {full_today + 1} 笔足额兑付" in f for f in voucher.flags) == (
        full_today + 1 >= voucher.type.same_day_flag
    )
    with pytest.raises(ValidationError, match="须填写核验意见"):
        workflow.perform(voucher, "verify", kjj)
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REDEEMED
    workflow.perform(
        voucher, "verify", kjj, changes={"verify_note": "已核实：法定代表人与企业联系人同名不同人"}
    )
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.VERIFIED


def test_scope_an_institution_sees_what_it_redeemed_an_enterprise_its_own(user, client_as):
    fuwu, qiye = user("fuwu"), user("qiye")
    from kechuang.org.scope import visible_to

    seen = set(visible_to(fuwu, Voucher.objects.all()).values_list("pk", flat=True))
    assert seen == set(Voucher.objects.filter(provider__users=fuwu).values_list("pk", flat=True)) != set()
    own = set(visible_to(qiye, Voucher.objects.all()).values_list("pk", flat=True))
    assert own == set(Voucher.objects.filter(enterprise__users=qiye).values_list("pk", flat=True)) != set()
    other = Voucher.objects.exclude(enterprise__users=qiye).exclude(provider__users=fuwu).first()
    assert client_as("qiye").get(reverse("vouchers:detail", args=[other.pk])).status_code == 404
    assert client_as("fuwu").get(reverse("vouchers:detail", args=[other.pk])).status_code == 404


def test_the_redeem_page_finds_and_refuses_in_chinese(user, client_as):
    kjj = user("kjj")
    voucher = _fresh(kjj)
    client = client_as("fuwu")
    url = reverse("vouchers-redeem:redeem")
    page = client.get(url, {"number": voucher.number, "credit_code": "91500154MA5U000000"})
    assert page.status_code == 400 and "券号与持券企业的统一社会信用代码不符" in page.content.decode()
    page = client.get(url, {"number": voucher.number, "credit_code": voucher.enterprise.credit_code})
    assert page.status_code == 200 and voucher.enterprise.name in page.content.decode()
    data = {
        "step": "redeem",
        "number": voucher.number,
        "credit_code": voucher.enterprise.credit_code,
        "provider": _provider().pk,
        "service_content": "检测",
        "contract_number": "HT-9",
        "contract_amount": "60000",
        "invoice_number": "INV-9",
        "invoice_amount": "10000",
        "redeemed_amount": "20000",
        **_files(),
    }
    page = client.post(url, data)
    assert page.status_code == 400 and "超过发票金额的 50%" in page.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.ISSUED
    data.update(invoice_amount="50000", **_files())
    page = client.post(url, data)
    assert page.status_code == 302
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REDEEMED
    # an enterprise's account has no 兑付 page
    assert client_as("qiye").get(url).status_code == 403


def test_the_bureau_issues_to_the_eligible_from_the_type_page(user, client_as):
    kjj = user("kjj")
    vtype = _conditional()
    eligible = actions.eligible_enterprises(kjj, vtype)
    assert eligible and not {e.pk for e in eligible} & set(
        vtype.vouchers.values_list("enterprise_id", flat=True)
    )
    response = client_as("kjj").post(reverse("voucher-types:step", args=[vtype.pk, "issue"]))
    assert response.status_code == 302
    assert vtype.vouchers.filter(enterprise__in=eligible).count() == len(eligible)
    assert actions.eligible_enterprises(kjj, vtype) == []
    response = client_as("kjj").post(reverse("voucher-types:step", args=[vtype.pk, "issue"]))
    assert response.status_code == 400 and "没有可发放创新券的企业" in response.content.decode()


def test_metrics_count_issued_redeemed_and_settled(user, dept):
    from kechuang.metrics.registry import metrics

    kjj, fuwu = user("kjj"), user("fuwu")
    year = str(timezone.localdate().year)

    def value(key, scope=None):
        return metrics.evaluate(key, scope, year).value

    before = {k: value(f"vouchers.{k}") for k in ("issued_in_period", "redeemed_amount_in_period")}
    settled = value("vouchers.settled_amount_in_period")
    voucher = _fresh(kjj)
    actions.redeem(
        fuwu, voucher, **_terms(redeemed_amount=Decimal("12345.60"), invoice_amount=Decimal("30000"))
    )
    voided = _fresh(kjj)
    workflow.perform(voided, "void", kjj, comment="注销")
    assert value("vouchers.issued_in_period") == before["issued_in_period"] + 1  # the voided one not counted
    assert value("vouchers.redeemed_amount_in_period") == before["redeemed_amount_in_period"] + Decimal(
        "12345.60"
    )
    assert value("vouchers.settled_amount_in_period") == settled
    own = Voucher.objects.filter(status__in=actions.USED).values_list("redeemed_amount", flat=True)
    assert value("vouchers.redeemed_amount_in_period") == sum(own, Decimal(0))
    town = voucher.enterprise.town
    in_town = Voucher.objects.filter(enterprise__town=town).exclude(status=VoucherStatus.VOIDED).count()
    assert value("vouchers.issued_in_period", town) == in_town
    holders = Voucher.objects.exclude(status=VoucherStatus.VOIDED).values("enterprise").distinct().count()
    assert value("vouchers.enterprises_in_period") == holders


def test_vouchers_spend_their_article_budget_and_never_beyond(user, dept):
    from kechuang.policies import actions as policy_actions
    from kechuang.policies import grants
    from kechuang.policies.models import InstrumentKind, Mode, PolicyDocument

    kjj, fuwu = user("kjj"), user("fuwu")
    year = timezone.localdate().year
    instrument = policy_actions.save_instrument(
        kjj,
        None,
        document=PolicyDocument.objects.filter(is_demo=True).first(),
        article="第十条",
        name="科技创新券",
        kind=InstrumentKind.VOUCHER,
        mode=Mode.APPLY,
        beneficiary="入库科技型企业",
        lead_department=dept("区科技局"),
    )
    grants.save_budget(kjj, instrument, year, Decimal("30000"))
    service = _service()
    vtype = actions.save_type(
        kjj,
        None,
        department=_service().department,
        name="科技创新券（预算）",
        year=year,
        instrument=instrument,
        face_value=Decimal("20000"),
        valid_from=service.valid_from,
        valid_to=service.valid_to,
        annual_cap=Decimal("100000"),
    )
    first, second = _fresh(kjj, vtype), _fresh(kjj, vtype)
    actions.redeem(fuwu, first, **_terms(redeemed_amount=Decimal("20000")))
    [row] = grants.execution([instrument], year)
    assert (row.committed, row.paid) == (Decimal("20000"), Decimal("0"))
    with pytest.raises(ActionRefused, match="超出“科技创新券”.*年度预算余额 10,000.00 元"):
        actions.redeem(fuwu, second, **_terms(redeemed_amount=Decimal("15000"), invoice_number="INV-7"))
    assert Voucher.objects.get(pk=second.pk).status == VoucherStatus.ISSUED
    first.refresh_from_db()
    workflow.perform(first, "verify", kjj, changes={"verify_note": "齐全"})
    actions.settle_many(
        kjj, [Voucher.objects.get(pk=first.pk)], settled_on=timezone.localdate(), settlement_number="S1"
    )
    [row] = grants.execution([instrument], year)
    assert (row.committed, row.paid, row.left) == (Decimal("20000"), Decimal("20000"), Decimal("10000"))


def test_a_batch_is_checked_in_the_same_queries_for_one_enterprise_or_all(user):
    """The checks of a batch read the registry for all its enterprises at once; each refusal is the one
    the enterprise alone would get, and a batch with any refused one stores nothing and says how many."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kjj = user("kjj")
    vtype = VoucherType.objects.select_related("department").get(pk=_conditional().pk)
    day = timezone.localdate()
    everyone = list(Enterprise.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as one:
        actions.refusals(vtype, everyone[:1], day)
    with CaptureQueriesContext(connection) as all_of_them:
        refused = actions.refusals(vtype, everyone, day)
    assert len(all_of_them) == len(one) and len(everyone) > 500
    holders = set(
        Qualification.objects.filter(kind__in=vtype.eligible_kinds.all()).values_list(
            "enterprise_id", flat=True
        )
    )
    had = set(vtype.vouchers.exclude(status=VoucherStatus.VOIDED).values_list("enterprise_id", flat=True))
    for enterprise in everyone[::7]:
        alone = actions.refusals(vtype, [enterprise], day).get(enterprise.pk)
        assert refused.get(enterprise.pk) == alone
        if enterprise.pk in had:
            assert "已领取过" in alone
        elif enterprise.pk not in holders:
            assert "未持有有效的" in alone
    eligible = actions.eligible_enterprises(kjj, vtype)
    assert {e.pk for e in eligible} == {e.pk for e in everyone if e.is_active} - set(refused)
    before = Voucher.objects.count()
    with pytest.raises(ActionRefused, match=r"另有 \d+ 家企业不符合条件"):
        actions.issue(kjj, vtype, eligible + [e for e in everyone if e.pk in refused][:3])
    assert Voucher.objects.count() == before


def test_a_districts_type_is_kept_and_issued_by_its_own_bureau_to_its_own_enterprises(user, client_as):
    """A voucher type belongs to the district that issues it: another district's bureau reads it but can
    neither change nor issue it, and its enterprises cannot claim it — each refused by name."""
    from kechuang.org.models import Department, RoleGrant, User

    kjj, qiye = user("kjj"), user("qiye")
    kaizhou = _service().department
    other = Department.objects.add_child(
        Department.objects.get_parent(kaizhou), instance=Department(name="万州区", kind="district")
    )
    wanzhou = User.objects.create(username="wz_kjj", display_name="万州区科技局")
    RoleGrant.objects.create(user=wanzhou, role=kjj.grants.first().role, scope="subtree", department=other)
    wanzhou = User.objects.get(pk=wanzhou.pk)
    fields = {
        "name": "科技创新券（万州）",
        "year": _service().year,
        "face_value": Decimal("10000"),
        "valid_from": _service().valid_from,
        "valid_to": _service().valid_to,
        "annual_cap": Decimal("50000"),
    }
    with pytest.raises(ActionRefused, match="您没有以“万州区”名义发放创新券的权限"):
        actions.save_type(kjj, None, department=other, **fields)
    theirs = actions.save_type(wanzhou, None, department=other, **fields)
    before = Voucher.objects.count()
    with pytest.raises(ActionRefused, match="由“万州区”发放，您没有修改的权限"):
        actions.save_type(kjj, VoucherType.objects.get(pk=theirs.pk), face_value=Decimal("1"))
    with pytest.raises(ActionRefused, match="没有发放创新券的权限"):
        actions.issue(kjj, theirs, actions.eligible_enterprises(kjj, _service())[:1])
    own = Enterprise.objects.get(users=qiye)
    with pytest.raises(ActionRefused, match="不在“万州区”辖区内"):
        actions.claim(qiye, theirs, own)
    assert actions.eligible_enterprises(wanzhou, theirs) == []
    with pytest.raises(ActionRefused, match="没有向"):
        actions.issue(wanzhou, theirs, [own])
    assert Voucher.objects.count() == before
    assert VoucherType.objects.get(pk=theirs.pk).face_value == Decimal("10000")
    # the pages: Kaizhou's bureau reads it without an edit link or an issue button; its edit page refuses
    client = client_as("kjj")
    page = client.get(theirs.get_absolute_url()).content.decode()
    assert "万州区" in page and reverse("voucher-types:edit", args=[theirs.pk]) not in page
    answer = client.get(reverse("voucher-types:edit", args=[theirs.pk]), follow=True)
    assert "由“万州区”发放，由其科技局维护" in answer.content.decode()
    answer = client.post(reverse("voucher-types:step", args=[theirs.pk, "issue"]))
    assert answer.status_code == 404 and Voucher.objects.count() == before
    # its own form offers Kaizhou only, chosen already
    form = client.get(reverse("voucher-types:create")).context["form"]
    assert list(form.fields["department"].queryset) == [kaizhou] and form.initial["department"] == kaizhou.pk


def test_the_enterprise_sees_its_vouchers_and_what_it_may_still_claim_on_its_policies_page(user, client_as):
    qiye = user("qiye")
    own = list(qiye.enterprises.all())
    held = Voucher.objects.filter(enterprise__in=own)
    assert held.exists()
    page = client_as("qiye").get("/policies/mine/")
    text = page.content.decode()
    assert "我的创新券" in text and all(v.number in text for v in held)
    [part] = [p for p in page.context["sections"] if p["template"] == "vouchers/_mine.html"]
    today = timezone.localdate()
    expected = {
        t.pk
        for t in VoucherType.objects.filter(is_open=True, valid_from__lte=today, valid_to__gte=today)
        if any(e.pk not in actions.refusals(t, own, today) for e in own)
    }
    assert {t.pk for t in part["claimable"]} == expected
    # claimed: no longer offered
    for vtype in part["claimable"]:
        actions.claim(qiye, vtype, own[0])
    again = client_as("qiye").get("/policies/mine/")
    [part] = [p for p in again.context["sections"] if p["template"] == "vouchers/_mine.html"]
    assert part["claimable"] == []
    # the page is the enterprise's own
    assert client_as("kjj").get("/policies/mine/").status_code == 403
