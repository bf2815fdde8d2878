"""中期检查's sheet: the interim-reports registry's list out to Excel (with the list's filters). Reports are
filled in and judged on their own page, never imported: nobody holds the sheet's import capability."""

from django.utils import timezone

from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Sheet, register

from . import interim
from .models import InterimReport

MONEY = {"kind": "decimal", "decimal_places": 2, "max_digits": 18, "min_value": 0}
NOT_IMPORTED = "projects.interim_not_imported"  # a capability no role holds: the sheet only exports


@register
class InterimReportSheet(Sheet):
    key = "interim-reports"
    title = "中期检查"
    registry = "interim-reports"
    view_capability = Capability.VIEW_PROJECTS
    import_capability = NOT_IMPORTED
    natural_key = ("project_number", "sequence")
    columns = [
        Column("project_number", "项目编号", readonly=True, width=20),
        Column("project_name", "项目名称", readonly=True, width=36),
        Column("applicant", "承担单位", readonly=True, width=28),
        Column("sequence", "期次", kind="int", readonly=True),
        Column("title", "名称", readonly=True, width=16),
        Column("period_from", "报告期起", kind="date", readonly=True),
        Column("period_to", "报告期止", kind="date", readonly=True),
        Column("due_on", "报送截止日期", kind="date", readonly=True),
        Column("status", "状态", readonly=True),
        Column("lateness", "逾期情况", readonly=True),
        Column("submitted_on", "报送日期", kind="date", readonly=True),
        Column("spent", "财政资金累计使用（元）", readonly=True, **MONEY),
        Column("rectify_by", "整改期限", kind="date", readonly=True),
    ]
    instructions = ["中期报告在各报告页面填写、报送和检查，本表只供导出。"]

    def queryset(self, user):
        return visible_to(
            user, InterimReport.objects.select_related("project", "project__enterprise")
        ).order_by("due_on", "project__number", "sequence", "pk")

    def export_row(self, r: InterimReport) -> dict:
        return {
            ID_HEADER: r.pk,
            "project_number": r.project.number,
            "project_name": r.project.name,
            "applicant": r.project.applicant,
            "sequence": r.sequence,
            "title": r.title,
            "period_from": r.period_from,
            "period_to": r.period_to,
            "due_on": r.due_on,
            "status": r.status,
            "lateness": interim.lateness(r, timezone.localdate()),
            "submitted_on": r.submitted_on,
            "spent": r.spent,
            "rectify_by": r.rectify_by,
        }
