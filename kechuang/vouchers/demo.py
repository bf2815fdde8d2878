"""Synthetic Kaizhou 科技创新券 of this year, repeatable — demo data, not the district's records.

Two voucher types (a 研发服务券 for 入库科技型企业, and a conditional 高企培育券 redeemable once the firm is
a 高新技术企业), two service institutions (one 在册 with the demo account `fuwu`, one suspended), and
vouchers in every state: issued by the bureau and claimed by the demo enterprise (待使用), redeemed by the
institution — the third full-value redemption of the day flagged —, verified, settled in one payment, and
one voided."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.enterprises import creditcode
from kechuang.enterprises.models import Enterprise, QualificationKind
from kechuang.org.models import Department, User
from kechuang.policies.models import Instrument, InstrumentKind
from kechuang.workflow import engine as workflow

from . import actions
from .models import Voucher, VoucherType

PDF = b"%PDF-1.4\n% demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str) -> ContentFile:
    return ContentFile(PDF, name=name)


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (after the enterprises and the policies)."""
    if VoucherType.objects.exists():
        return
    kjj = User.objects.filter(username="kjj").first()
    fuwu = User.objects.filter(username="fuwu").first()
    qiye = User.objects.filter(username="qiye").first()
    kinds = {k.code: k for k in QualificationKind.objects.filter(code__in=["cq_tech", "hte"])}
    town = Department.objects.filter(kind=Department.Kind.TOWN, name="汉丰街道").first()
    if kjj is None or fuwu is None or town is None or "cq_tech" not in kinds:
        return
    today = timezone.localdate()
    year = today.year
    # the policy's 科技创新券 article (when the policy demo is loaded): what is redeemed spends its budget
    district = plan.department
    article = Instrument.objects.filter(
        kind=InstrumentKind.VOUCHER, document__department=district, document__is_demo=True
    ).first()
    with audit_context(actor=kjj, reason="演示数据"), transaction.atomic():
        service = actions.save_type(
            kjj,
            None,
            eligible_kinds=[kinds["cq_tech"]],
            department=district,
            instrument=article,
            name="科技创新券（研发服务）",
            year=year,
            face_value=Decimal("20000"),
            valid_from=date(year, 1, 1),
            valid_to=date(year + 1, 3, 31),
            annual_cap=Decimal("50000"),
            total_count=200,
            max_share=Decimal("0.50"),
            same_day_flag=3,
            services="检验检测、技术开发、技术咨询、知识产权服务",
            is_demo=True,
        )
        conditional = actions.save_type(
            kjj,
            None,
            eligible_kinds=[kinds["cq_tech"]],
            redeem_requires=kinds.get("hte"),
            department=district,
            instrument=article,
            name="科技创新券（高企培育·条件券）",
            year=year,
            face_value=Decimal("30000"),
            valid_from=date(year, 1, 1),
            valid_to=date(year + 1, 3, 31),
            annual_cap=Decimal("50000"),
            max_share=Decimal("0.50"),
            services="高企认定辅导、研发费用专项审计",
            is_demo=True,
        )
        provider = actions.save_provider(
            kjj,
            None,
            users=[fuwu],
            name="重庆开州科创检验检测服务有限公司（演示）",
            credit_code=creditcode.build("500154", "MA6DEMA1"),
            town=town,
            legal_representative="周明远",
            contact_name="刘晓",
            contact_phone="13800230154",
            services="检验检测、技术开发、技术咨询",
            registered_on=date(year - 2, 5, 10),
        )
        actions.save_provider(
            kjj,
            None,
            name="开州区某知识产权代理事务所（演示·暂停）",
            credit_code=creditcode.build("500154", "MA6DEMA2"),
            town=town,
            legal_representative="陈立",
            services="知识产权服务",
            registered_on=date(year - 3, 3, 1),
            is_active=False,
            note="演示数据：年度考核不合格，暂停兑付资格。",
        )
    own = Enterprise.objects.filter(users=qiye).first() if qiye else None
    eligible = [e for e in actions.eligible_enterprises(kjj, service, today) if e != own][:9]
    if len(eligible) < 7:
        return
    issued = actions.issue(kjj, service, eligible)
    if own is not None and actions.eligibility_refusal(service, own, today) is None:
        actions.claim(qiye, service, own)
    actions.issue(kjj, conditional, eligible[:2])

    def redeem(voucher: Voucher, n: int, amount: Decimal) -> Voucher:
        return actions.redeem(
            fuwu,
            voucher,
            provider=provider,
            service_content=["产品检验检测", "新产品技术开发", "工艺技术咨询"][n % 3],
            contract_number=f"KCJC-{year}-{n:03d}",
            contract_amount=Decimal("60000"),
            invoice_number=f"{year}5001{n:08d}",
            invoice_amount=Decimal("50000"),
            redeemed_amount=amount,
            contract_file=_pdf("服务合同.pdf"),
            invoice_file=_pdf("发票.pdf"),
        )

    first, second, third, fourth, fifth, sixth, voided = issued[:7]
    for n, voucher in enumerate((first, second, fourth, fifth), 1):
        redeem(voucher, n, Decimal("20000") if n != 3 else Decimal("15000"))
    redeem(third, 5, Decimal("20000"))  # full-value redemptions of the day beyond the second: flagged
    workflow.perform(
        Voucher.objects.get(pk=first.pk), "verify", kjj, changes={"verify_note": "合同、发票齐全"}
    )
    workflow.perform(
        Voucher.objects.get(pk=second.pk), "verify", kjj, changes={"verify_note": "合同、发票齐全"}
    )
    workflow.perform(
        Voucher.objects.get(pk=fourth.pk), "verify", kjj, changes={"verify_note": "合同、发票齐全"}
    )
    actions.settle_many(
        kjj,
        [Voucher.objects.get(pk=first.pk), Voucher.objects.get(pk=second.pk)],
        settled_on=today,
        settlement_number=f"开科券结〔{year}〕1号",
    )
    workflow.perform(Voucher.objects.get(pk=voided.pk), "void", kjj, comment="企业已注销，作废（演示）")
    del sixth  # stays 待使用
