"""The page of one 中期检查 report (`projects:interim`): the project, the period, the due date and how late
it is; the unit's form while 待报送 (保存, 报送); the bureau's verdict while 已报送 (正常, 整改 with its
date, 终止); the workflow's timeline; the project's earlier reports. One step per POST (`step`: save,
submit, judge), done by `interim.*` through `run_action`, answered with a redirect and a message — or the
page again with the step's errors and nothing stored. And what the project's page shows of its reports
(`project_context`)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.web.access import require_capability
from kechuang.web.forms import DateField, formfield, run_action
from kechuang.workflow import engine as workflow

from . import interim
from .models import InterimReport, ReportStatus


class ReportForm(forms.ModelForm):
    """The unit's report: progress, problems and next steps, the money spent so far."""

    class Meta:
        model = InterimReport
        fields = ["progress", "problems", "spent"]
        formfield_callback = formfield
        widgets = {
            "progress": forms.Textarea(attrs={"rows": 6}),
            "problems": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spent"].required = False
        self.fields["spent"].help_text = "单位：元；自立项起累计，不超过立项资助金额"
        self.fields["spent"].widget.attrs["step"] = "0.01"


VERDICT_CHOICES = [
    (ReportStatus.NORMAL.value, "正常"),
    (ReportStatus.RECTIFY.value, "限期整改"),
    (ReportStatus.TERMINATE.value, "终止项目"),
]


class VerdictForm(forms.Form):
    """The bureau's verdict on a submitted report."""

    verdict = forms.ChoiceField(label="检查结论", choices=VERDICT_CHOICES, widget=forms.RadioSelect)
    rectify_by = DateField(
        label="整改期限", required=False, help_text="限期整改时填写：整改报告在此日期前报送"
    )
    comment = forms.CharField(
        label="检查意见",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="限期整改、终止项目须填写",
    )

    def clean(self):
        data = super().clean()
        verdict = data.get("verdict")
        if (
            verdict in (ReportStatus.RECTIFY, ReportStatus.TERMINATE)
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", "限期整改或终止项目须填写检查意见。")
        if verdict == ReportStatus.RECTIFY and not data.get("rectify_by"):
            self.add_error("rectify_by", "限期整改须填写整改期限。")
        return data


class StepForm(forms.Form):
    """A step without fields of its own (报送): it carries the action's refusals."""


STEPS = ("save", "submit", "judge")


def _report(request, pk) -> InterimReport:
    return get_visible_or_404(
        request.user,
        InterimReport.objects.select_related("project__enterprise", "project__department"),
        pk=pk,
    )


@require_capability(Capability.VIEW_PROJECTS)
def report_page(request, pk):
    report = _report(request, pk)
    user = request.user
    may_file = report.status == ReportStatus.DUE and may_act_on(
        user, report.project, Capability.APPLY_PROJECTS
    )
    may_judge = report.status == ReportStatus.SUBMITTED and may_act_on(
        user, report.project, Capability.CHANGE_PROJECTS
    )
    forms_ = {}
    if request.method == "POST":
        step = request.POST.get("step", "")
        if (
            step not in STEPS
            or (step in ("save", "submit") and not may_file)
            or (step == "judge" and not may_judge)
        ):
            messages.error(request, f"中期报告的状态为“{report.status}”，您不能进行此操作，请刷新页面。")
            return redirect(report.get_absolute_url())
        done = _run_step(request, report, step, forms_)
        if done is not None:
            messages.success(request, done)
            return redirect(report.get_absolute_url())
    report_form = forms_.get("save") or (ReportForm(instance=report) if may_file else None)
    today = timezone.localdate()
    earlier = list(
        InterimReport.objects.filter(project=report.project, sequence__lt=report.sequence).order_by(
            "sequence"
        )
    )
    for other in earlier:
        other.lateness = interim.lateness(other, today)
    context = {
        "report": report,
        "project": report.project,
        "lateness": interim.lateness(report, today),
        "may_file": may_file,
        "may_judge": may_judge,
        "report_form": report_form,
        "submit_form": forms_.get("submit"),
        "refusal": interim.may_submit(report, user) if may_file and "save" not in forms_ else None,
        "verdict_form": forms_.get("judge") or (VerdictForm() if may_judge else None),
        "earlier": earlier,
        "later": InterimReport.objects.filter(project=report.project, sequence__gt=report.sequence).order_by(
            "sequence"
        ),
        "returned": workflow.last_event(report, "return") if report.status == ReportStatus.DUE else None,
        "verdict_event": workflow.last_event(report, interim.VERDICTS.get(report.status, "")),
        "can_view_project": has_capability(user, Capability.VIEW_PROJECTS),
        "funded": report.project.funding,
    }
    return render(request, "projects/interim.html", context, status=400 if forms_ else 200)


def _run_step(request, report, step, forms_) -> str | None:
    user = request.user
    stored = InterimReport.objects.select_related("project").get(pk=report.pk)  # not the form's instance
    if step == "save":
        form = forms_["save"] = ReportForm(request.POST, instance=report)
        if form.is_valid():
            d = form.cleaned_data
            saved = run_action(
                form,
                interim.save_report,
                user,
                stored,
                progress=d["progress"],
                problems=d["problems"],
                spent=d["spent"],
            )
            if saved is not None:
                return "中期报告已保存（尚未报送）。"
        return None
    if step == "submit":
        form = forms_["submit"] = StepForm({})
        if run_action(form, interim.submit, user, stored) is not None:
            return "中期报告已报送，等待科技局检查。"
        return None
    form = forms_["judge"] = VerdictForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        judged = run_action(
            form,
            interim.judge,
            user,
            stored,
            d["verdict"],
            comment=d["comment"],
            rectify_by=d["rectify_by"] if d["verdict"] == ReportStatus.RECTIFY else None,
        )
        if judged is not None:
            if d["verdict"] == ReportStatus.RECTIFY:
                return f"已限期整改，整改报告须在 {d['rectify_by']:%Y-%m-%d}（含）前报送。"
            if d["verdict"] == ReportStatus.TERMINATE:
                return "检查结论：终止，项目已终止。"
            return "检查结论：正常。"
    return None


# --- the project's own page ------------------------------------------------------------------------------


def project_context(request, obj) -> dict:
    """The project's reports for its page's 中期检查 section (one query)."""
    today = timezone.localdate()
    reports = list(InterimReport.objects.filter(project=obj).order_by("sequence"))
    for report in reports:
        report.lateness = interim.lateness(report, today)
    return {"interim_reports": reports}
