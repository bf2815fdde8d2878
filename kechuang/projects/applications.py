"""Online applications to a call (申报): who may apply, what an application must hold before it is
submitted, and every change an applicant makes — the draft, its co-applicants, budget lines and
attachments, submission and resubmission after 形式审查 returned it.

An application is a `Project` with its `call`; it is the applicant's to change while it is a draft or
returned for correction (补正), and nobody's afterwards (the bureau decides through the workflow)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.core.documents import check_document
from kechuang.enterprises.models import Enterprise, Qualification, valid_on_q
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.workflow import engine as workflow

from . import calls
from .models import Attachment, BudgetItem, BudgetLine, Call, CallStatus, CoApplicant, Project, Status

EDITABLE = (Status.DRAFT, Status.RETURNED)
OTHER_ATTACHMENT = "其他"  # an attachment the call does not ask for (any number of them)


def own(user, queryset):
    """The applications `user` files for their own enterprises (what waits for them in 我的待办)."""
    return queryset.filter(enterprise__users=user)


def page_of(project: Project) -> str:
    """The applicant's page of an application (where a draft or returned one is worked on)."""
    from django.urls import reverse

    return reverse("projects:application", args=[project.pk])


def own_through_project(user, queryset):
    """A project's 任务书, acceptances… that `user` files for their own enterprises."""
    return queryset.filter(project__enterprise__users=user)


# --- eligibility (checked from the registry when the applicant applies and again on submission) ---------


@dataclass(frozen=True)
class Condition:
    label: str
    met: bool
    detail: str
    on_submission: bool = False  # binds when the application is submitted, not when a draft is started


def barriers_to_starting(call: Call, enterprise: Enterprise | None) -> list[Condition]:
    """The conditions `enterprise` fails that keep it from even starting a draft on `call`."""
    return [c for c in eligibility(call, enterprise) if not c.met and not c.on_submission]


def eligibility(
    call: Call, enterprise: Enterprise | None, day: date | None = None, *, exclude=None, unit_name: str = ""
):
    """The call's conditions for this applicant — an enterprise, or a unit outside the registry (a hospital,
    school, station) by its name — each met or not with what the registry says."""
    day = day or timezone.localdate()
    result = []
    if call.enterprise_only:
        if enterprise is None:
            result.append(Condition("本区登记企业", False, "本指南仅限登记企业申报"))
        else:
            region = call.department.region()
            inside = enterprise.is_active and enterprise.town.path.startswith(region.path)
            detail = (
                f"{enterprise.name}登记在{enterprise.town.name}"
                if inside
                else f"{enterprise.name}不是{region.name}在册企业"
            )
            result.append(Condition(f"{region.name}在册企业", inside, detail))
    kinds = list(call.qualifications.all())
    if kinds:
        names = "、".join(k.name for k in kinds)
        held = (
            list(
                Qualification.objects.filter(enterprise=enterprise, kind__in=kinds)
                .filter(valid_on_q(day))
                .select_related("kind")
            )
            if enterprise is not None
            else []
        )
        detail = (
            f"持有{held[0].kind.name}（{held[0].number or '无编号'}，有效期至{held[0].expires_on:%Y-%m-%d}）"
            if held and held[0].expires_on
            else f"持有{held[0].kind.name}"
            if held
            else f"企业登记中没有{day:%Y-%m-%d}有效的{names}"
        )
        result.append(Condition(f"持有{names}（之一）", bool(held), detail))
    if call.one_per_applicant and (enterprise is not None or unit_name):
        mine = (
            {"enterprise": enterprise}
            if enterprise is not None
            else {"enterprise": None, "unit_name": unit_name}
        )
        others = (
            Project.objects.filter(call=call, **mine)
            .exclude(status=Status.DRAFT)
            .exclude(pk=getattr(exclude, "pk", None))
        )
        other = others.first()
        result.append(
            Condition(
                "同一单位限报一项",
                other is None,
                f"已提交“{other.name}”" if other is not None else "本指南尚无本单位已提交的申报",
                on_submission=True,
            )
        )
    return result


def correction_deadline(project: Project) -> date | None:
    """The last day a returned application may be resubmitted: the call's correction period after the
    return."""
    if project.status != Status.RETURNED or project.call_id is None:
        return None
    returned = workflow.last_event(project, "return")
    start = timezone.localdate(returned.at) if returned is not None else project.applied_on
    return start + timedelta(days=project.call.correction_days)


def problems(project: Project, day: date | None = None) -> list[str]:
    """What stands between the application and its submission, in the applicant's words (empty: ready)."""
    day = day or timezone.localdate()
    call = project.call
    found = []
    if call is None:
        return ["该项目不是在线申报的项目。"]
    if project.status == Status.DRAFT and not calls.is_open(call, day):
        if call.status == CallStatus.DRAFT:
            found.append(f"申报指南“{call.title}”尚未发布，不能提交。")
        elif call.status != CallStatus.OPEN:
            found.append(f"申报指南“{call.title}”已{call.status}，不再受理申报，不能提交。")
        elif day > call.closes_on:
            found.append(f"申报指南“{call.title}”已于 {call.closes_on:%Y-%m-%d} 截止受理，不能再提交。")
        else:
            found.append(f"申报指南“{call.title}”自 {call.opens_on:%Y-%m-%d} 起受理申报，现在还不能提交。")
    if project.status == Status.RETURNED:
        deadline = correction_deadline(project)
        if deadline is not None and day > deadline:
            found.append(f"退回补正的期限（{deadline:%Y-%m-%d}）已过，不能再重新提交。")
    for condition in eligibility(call, project.enterprise, day, exclude=project, unit_name=project.unit_name):
        if not condition.met:
            found.append(f"不符合申报条件“{condition.label}”：{condition.detail}。")
    missing = [
        str(Project._meta.get_field(name).verbose_name)
        for name in ("topic", "discipline", "summary", "contact_name", "contact_phone")
        if not getattr(project, f"{name}_id" if name == "discipline" else name)
    ]
    if missing:
        found.append(f"请填写：{'、'.join(missing)}。")
    if not project.funding:
        found.append("请填写申请财政资助金额。")
    lines = list(project.budget_lines.all())
    funded = sum((line.funding for line in lines), Decimal("0"))
    own_funds = sum((line.self_funding for line in lines), Decimal("0"))
    if not lines:
        found.append("请填写预算明细。")
    else:
        if funded != project.funding:
            found.append(
                f"预算明细的财政资助合计 {funded:,.2f} 元与申请财政资助 {project.funding:,.2f} 元不一致。"
            )
        if own_funds != project.self_funding:
            found.append(
                f"预算明细的自筹合计 {own_funds:,.2f} 元与自筹金额 {project.self_funding:,.2f} 元不一致。"
            )
    present = set(project.attachments.filter(acceptance=None).values_list("kind", flat=True))
    absent = [kind for kind in call.attachment_list if kind not in present]
    if absent:
        found.append(f"缺少附件：{'、'.join(absent)}。")
    return found


def may_submit(project: Project, user) -> str | None:
    found = problems(project)
    return " ".join(found) if found else None


# --- the applicant's changes -------------------------------------------------------------------------


def _applying(acting_user, project: Project) -> None:
    if not may_act_on(acting_user, project, Capability.APPLY_PROJECTS):
        raise ActionRefused("您没有修改该申报的权限。")
    if project.call_id is None:
        raise ActionRefused("该项目不是在线申报的项目，不能在此修改。")
    if project.status not in EDITABLE:
        raise ActionRefused(
            f"该申报的状态为“{project.status}”，不能再修改（只有草稿和退回补正的申报可以修改）。"
        )


def _still_editable(project: Project) -> None:
    """Inside the change's transaction: the application as stored now (the bureau may have accepted it
    since the page was opened) is still the applicant's to change. Locks the row where the database can."""
    status = (
        Project.objects.select_for_update().filter(pk=project.pk).values_list("status", flat=True).first()
    )
    if status not in EDITABLE:
        raise ActionRefused(f"该申报的状态已变为“{status or '已删除'}”，不能再修改，请刷新页面。")


def start(
    acting_user,
    call: Call,
    *,
    enterprise: Enterprise | None = None,
    unit_name: str = "",
    department=None,
    name: str,
    topic: str,
) -> Project:
    """A new draft application to `call`: of `enterprise` (the user must file for it), or — filed by the
    bureau — of a unit outside the enterprise registry (a hospital, school, farm station: `unit_name`
    under `department`, its town or department)."""
    if not calls.is_open(call):
        raise ActionRefused(f"申报指南“{call.title}”当前不在受理期内。")
    unit_name = (unit_name or "").strip()
    if enterprise is not None:
        if not may_act_on(acting_user, enterprise, Capability.APPLY_PROJECTS):
            raise ActionRefused(f"您不能代“{enterprise.name}”申报。")
    else:
        if not unit_name:
            raise ValidationError({"unit_name": "请填写申报单位名称。"})
        if department is None:
            raise ValidationError({"department": "请选择申报单位所在的镇街或归口单位。"})
        if not (
            may_act_on(acting_user, department, Capability.CHANGE_PROJECTS)
            and may_act_on(acting_user, call, Capability.CHANGE_PROJECTS)
        ):
            raise ActionRefused(f"您不能代“{unit_name}”申报：非企业单位的申报由管理本指南的科技局代为填报。")
    if topic not in call.topic_list:
        raise ValidationError({"topic": "请从指南的支持方向中选择。"})
    failing = [
        c for c in eligibility(call, enterprise, unit_name=unit_name) if not c.met and not c.on_submission
    ]
    if failing:
        raise ActionRefused("；".join(f"不符合申报条件“{c.label}”：{c.detail}" for c in failing) + "。")
    today = timezone.localdate()
    with audit_context(actor=acting_user, reason="在线申报"), transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()  # numbers are drawn one at a time
        project = Project(
            call=call,
            year=call.year,
            number=_next_number(call),
            name=name,
            category=call.category,
            department=enterprise.town if enterprise is not None else department,
            enterprise=enterprise,
            unit_name="" if enterprise is not None else unit_name,
            topic=topic,
            status=Status.DRAFT,
            applied_on=today,
        )
        project.full_clean()
        project.save()
        project.tasks.set(call.tasks.all())  # the application carries out the plan's tasks of its call
    return project


def _next_number(call: Call) -> str:
    """The call's next application number, 〈指南编号〉-001, -002 …: one past the highest taken (a count
    would repeat a number after a gap)."""
    prefix = f"{call.number}-"
    taken = Project.objects.filter(year=call.year, number__startswith=prefix).values_list("number", flat=True)
    highest = max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:03d}"


APPLICANT_FIELDS = (
    "name",
    "topic",
    "discipline",
    "summary",
    "contact_name",
    "contact_phone",
    "funding",
    "self_funding",
    "planned_end_on",
)


def save_application(acting_user, project: Project, *, reason: str = "", **fields) -> Project:
    """The applicant's own fields of a draft or returned application."""
    _applying(acting_user, project)
    unknown = set(fields) - set(APPLICANT_FIELDS)
    if unknown:
        raise ActionRefused(f"申报单位不能修改：{'、'.join(sorted(unknown))}。")
    topic = fields.get("topic", project.topic)
    if topic != project.topic and topic not in project.call.topic_list:  # a kept old topic stays valid
        raise ValidationError({"topic": "请从指南的支持方向中选择。"})
    if isinstance(fields.get("summary"), str):  # a browser's textarea sends CRLF: stored as typed, LF
        fields["summary"] = fields["summary"].replace("\r\n", "\n").replace("\r", "\n")
    for name, value in fields.items():
        setattr(project, name, value)
    # the model's rules (money not negative, within the call's limit, the planned end after the date)
    project.full_clean()
    with audit_context(actor=acting_user, reason=reason or "修改申报"), transaction.atomic():
        _still_editable(project)
        project.save()
    return project


def add_co_applicant(acting_user, project: Project, *, name: str, share: str = "") -> CoApplicant:
    _applying(acting_user, project)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写合作单位名称。"})
    applicant = project.applicant
    if applicant and name == applicant:
        raise ValidationError({"name": "合作单位不能是申报单位本身。"})
    enterprise = Enterprise.objects.filter(name=name).first()
    co = CoApplicant(project=project, name=name, share=(share or "").strip(), enterprise=enterprise)
    co.full_clean()
    with audit_context(actor=acting_user, reason="添加合作单位"), transaction.atomic():
        _still_editable(project)
        co.save()
    return co


def remove_co_applicant(acting_user, co: CoApplicant) -> None:
    _applying(acting_user, co.project)
    with audit_context(actor=acting_user, reason=f"删除合作单位：{co.name}"), transaction.atomic():
        _still_editable(co.project)
        co.delete()


def budget_rows(lines: dict, make, owner: str) -> list:
    """A budget table checked as one — an application's or a 任务书's: `lines` maps a budget item to (funding,
    self funding, note); items with both amounts 0 are left out; `make(item=…, funding=…, self_funding=…,
    note=…)` builds an unsaved line of the table whose `owner` field points to its record. The lines, or a
    ValidationError naming every item at fault."""
    errors = []
    rows = []
    for item, (funding, self_funding, note) in lines.items():
        if item not in BudgetItem.values:
            raise ValidationError({"item": f"未知的预算科目“{item}”。"})
        funding, self_funding = funding or Decimal("0"), self_funding or Decimal("0")
        negative = [label for label, amount in (("财政资助", funding), ("自筹", self_funding)) if amount < 0]
        if negative:
            errors.append(f"{item}：{'、'.join(negative)}金额不能为负数。")
            continue
        note = (note or "").strip()
        if not (funding or self_funding):
            if note:
                errors.append(f"{item}：填写了说明但没有金额；请填写金额，或删去说明。")
            continue
        row = make(item=item, funding=funding, self_funding=self_funding, note=note)
        try:
            row.full_clean(exclude=[owner], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.extend(f"{item}：{message}" for message in exc.messages)
            continue
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


def save_budget(acting_user, project: Project, lines: dict) -> list[BudgetLine]:
    """Replace the budget: `lines` maps a budget item to (funding, self funding, note); items with both
    amounts 0 are left out. All or nothing."""
    _applying(acting_user, project)
    rows = budget_rows(lines, lambda **f: BudgetLine(project=project, **f), "project")
    with audit_context(actor=acting_user, reason="修改预算明细"), transaction.atomic():
        _still_editable(project)
        stored = {line.item: line for line in project.budget_lines.all()}
        kept = []
        for row in rows:
            line = stored.pop(row.item, None)
            if line is None:
                row.save()
                kept.append(row)
                continue
            if (line.funding, line.self_funding, line.note) != (row.funding, row.self_funding, row.note):
                line.funding, line.self_funding, line.note = row.funding, row.self_funding, row.note
                line.save()
            kept.append(line)
        for line in stored.values():
            line.delete()
    return kept


def add_attachment(acting_user, project: Project, *, kind: str, upload) -> Attachment:
    """Attach `upload` as `kind` (a later file of a required kind replaces the earlier one)."""
    _applying(acting_user, project)
    kind = (kind or "").strip()
    required = project.call.attachment_list
    if not kind:
        raise ValidationError({"kind": "请选择附件类别。"})
    if kind not in required and kind != OTHER_ATTACHMENT:
        raise ValidationError({"kind": f"附件类别“{kind}”不是指南要求的附件，请从列表中选择（或选“其他”）。"})

    def inside():
        _still_editable(project)
        if kind in required:  # one file per required kind: a new one replaces the earlier
            for earlier in project.attachments.filter(acceptance=None, kind=kind):
                discard_attachment(earlier)

    return store_attachment(
        acting_user,
        Attachment(project=project, kind=kind),
        upload,
        what="附件",
        reason=f"上传附件：{kind}",
        inside=inside,
    )


def store_attachment(
    acting_user, attachment: Attachment, upload, *, what: str, reason: str, inside
) -> Attachment:
    """`upload` checked by its content and size (core.documents) and stored as `attachment` (its project,
    kind and acceptance set by the caller) with its name, size and digest — in one transaction with
    `inside()`, the caller's checks and replacements. A file written for a row rolled back is removed."""
    if upload is None:
        raise ValidationError({"file": "请选择要上传的文件。"})
    try:
        check_document(upload, what=what, limit_setting="ATTACHMENT_MAX_BYTES")
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][:200]
    attachment.name, attachment.size, attachment.sha256 = name, upload.size, digest.hexdigest()
    attachment.uploaded_by = acting_user
    try:
        with audit_context(actor=acting_user, reason=reason), transaction.atomic():
            inside()
            attachment.file.save(name, upload, save=False)
            attachment.save()
    except BaseException:
        if attachment.file.name:  # the file was written but its row rolled back: no orphan on disk
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def remove_attachment(acting_user, attachment: Attachment) -> None:
    _applying(acting_user, attachment.project)
    with audit_context(actor=acting_user, reason=f"删除附件：{attachment.kind}"), transaction.atomic():
        _still_editable(attachment.project)
        discard_attachment(attachment)


def discard_attachment(attachment: Attachment) -> None:
    """Delete the row now and its file once the deletion is committed (a rollback keeps both)."""
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def submit(acting_user, project: Project) -> Project:
    """Submit a draft (提交申报) or resubmit a returned application; the submission date is today."""
    name = "resubmit" if project.status == Status.RETURNED else "submit"
    return workflow.perform(project, name, acting_user, changes={"applied_on": timezone.localdate()})
