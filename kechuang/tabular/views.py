import io
import logging
import tempfile
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.audit.recording import record_personal_view
from kechuang.core import leases
from kechuang.core.personal import reveal
from kechuang.core.uploads import megabytes, refused, upload_limit
from kechuang.org.actions import ActionRefused
from kechuang.org.personal import may_export_full, revealable_ids
from kechuang.org.scope import get_visible_or_404, has_capability
from kechuang.web.filters import FilterError
from kechuang.web.registry import get_registry
from kechuang.workflow import engine as workflow

from . import engine, parsedcache, writer
from .models import ImportJob
from .registry import get_sheet
from .tasks import validate_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
logger = logging.getLogger(__name__)


def _sheet(request, key, capability_attr):
    try:
        sheet = get_sheet(key)
    except KeyError:
        raise Http404("没有这个表格") from None
    if not has_capability(request.user, getattr(sheet, capability_attr)):
        raise PermissionDenied("您没有使用该表格的权限。")
    return sheet


def _attachment(response, filename: str):
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def sheet_home(request, key):
    sheet = _sheet(request, key, "view_capability")
    can_import = has_capability(request.user, sheet.import_capability)
    jobs = ImportJob.objects.filter(user=request.user, sheet=key)[:10]
    try:
        _, query = _filtered(request, sheet, sheet.queryset(request.user))
    except FilterError as exc:
        return render(request, "core/error.html", {"code": 400, "message": str(exc)}, status=400)
    personal = sheet.personal_keys()
    return render(
        request,
        "tabular/sheet.html",
        {
            "sheet": sheet,
            "can_import": can_import,
            "jobs": jobs,
            "query": query,
            "personal": "、".join(sheet.header_of(k) for k in personal),
            "may_export_full": bool(personal) and may_export_full(request.user),
            "max_mb": megabytes(settings.IMPORT_MAX_BYTES),
        },
    )


def _filtered(request, sheet, queryset):
    """The export's records narrowed by the list page's filters, and those filters as a query string (the
    page number and sorting left out); FilterError (a registry's) or InvalidQuery when a value is bad."""
    if not sheet.registry:
        return queryset, ""
    queryset, filterset = get_registry(sheet.registry).filtered(request, queryset=queryset)
    return queryset, filterset.query_string()


def template_download(request, key):
    sheet = _sheet(request, key, "import_capability")
    return _attachment(
        HttpResponse(writer.template(sheet), content_type=XLSX), f"{sheet.title}-导入模板.xlsx"
    )


def _revealing(objects, ids: set, names: list[str], shown: list):
    """The export's records, those whose personal data the user may see marked to be written in full."""
    for obj in objects:
        if obj.pk in ids:
            reveal(obj, names)
            shown.append(obj.pk)
        yield obj


def export_download(request, key):
    sheet = _sheet(request, key, "view_capability")
    try:
        queryset, _ = _filtered(request, sheet, sheet.queryset(request.user))
    except FilterError as exc:
        return render(request, "core/error.html", {"code": 400, "message": str(exc)}, status=400)
    names = list(sheet.personal_keys())
    full = bool(names) and request.GET.get("full") == "1"
    if full and not may_export_full(request.user):
        raise PermissionDenied("您无权导出完整的个人信息。")
    objects = queryset.iterator(chunk_size=2000)
    shown: list = []
    if full:  # personal data in full for the records within the user's right; recorded once
        objects = _revealing(objects, revealable_ids(request.user, queryset), names, shown)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    writer.export(sheet, objects, spool)
    spool.seek(0)
    if shown:
        record_personal_view(
            queryset.model,
            names,
            where=request.get_full_path(),
            count=len(shown),
            label=f"导出“{sheet.title}”（{len(shown)} 条含完整个人信息）",
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(iter(lambda: spool.read(1 << 16), b""), content_type=XLSX)
    return _attachment(response, f"{sheet.title}-{stamp}.xlsx")


@upload_limit("IMPORT_MAX_BYTES")
@require_POST
def upload(request, key):
    sheet = _sheet(request, key, "import_capability")
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, refused(request).get("file") or "请选择要导入的 .xlsx 文件。")
        return redirect("tabular:sheet", key)
    job = ImportJob.objects.create(
        sheet=sheet.key,
        user=request.user,
        file=upload_file,
        original_name=upload_file.name[:255],
        size=upload_file.size,
    )
    validate_import.enqueue(job.pk)
    return redirect("tabular:job", job.pk)


def _job(request, pk):
    """The job if the user sees it: in scope, and the sheet's to see (else as missing)."""
    job = get_visible_or_404(request.user, ImportJob.objects.all(), pk=pk)
    if ImportJob.workflow.hidden_from(job, request.user):
        raise Http404("没有这个导入任务。")
    if job.busy:
        job = _live(job)
    return job


def _live(job: ImportJob) -> ImportJob:
    """A busy job as it is now: failed if the process running its step died (its lease ran out), else
    with the progress its step reported outside its transaction."""
    subject = engine.subject(job.pk)
    try:
        if leases.sweep(subject):
            job.refresh_from_db()
    except DatabaseError:  # SQLite's write lock held by another import: the next look tries again
        logger.warning("abandoned steps of import job %s not ended yet", job.pk, exc_info=True)
    lease = leases.find(subject)
    job.queued = job.busy and lease is None  # no process has started its step yet
    if job.busy and lease is not None:
        job.processed_rows = max(job.processed_rows, lease.processed)  # shown, not stored
    return job


def job_detail(request, pk):
    job = _job(request, pk)
    may = {t.name: workflow.refusal(job, t, request.user) is None for t in ImportJob.workflow.transitions}
    return render(
        request,
        "tabular/job.html",
        {
            "job": job,
            "may": may,
            "events": workflow.history(job),
            "sheet": get_sheet(job.sheet),
            "errors": job.errors[:200],
            "modes": ImportJob.Mode.choices,
        },
    )


def job_status(request, pk):
    job = _job(request, pk)
    if not job.busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the job has moved on: reload the whole page
        return response
    return render(request, "tabular/_progress.html", {"job": job})


@require_POST
def job_commit(request, pk):
    job = _job(request, pk)
    mode = request.POST.get("mode")
    reason = request.POST.get("reason", "").strip()[:500]
    if mode not in ImportJob.Mode.values:
        messages.error(request, "请选择导入方式。")
    elif mode == ImportJob.Mode.ALL_OR_NOTHING and job.error_rows:
        messages.error(
            request, f"文件中有 {job.error_rows} 行存在错误：请修改后重新上传，或选择“只导入正确的行”。"
        )
    elif not reason:
        messages.error(request, "请填写变更原因（记入审计日志）。")
    else:
        _transition(request, job, "commit", comment=reason, changes={"mode": mode, "reason": reason})
    return redirect("tabular:job", pk)


@require_POST
def job_discard(request, pk):
    job = _job(request, pk)
    if not _transition(request, job, "discard"):
        return redirect("tabular:job", pk)
    parsedcache.discard(job)
    messages.success(request, "已放弃该文件。")
    return redirect("tabular:sheet", job.sheet)


@require_POST
def job_retry(request, pk):
    job = _job(request, pk)
    if _transition(request, job, "retry"):
        messages.success(request, "已恢复为“已校验”：请选择导入方式、填写变更原因后重新确认导入。")
    return redirect("tabular:job", pk)


@require_POST
def job_take_over(request, pk):
    job = _job(request, pk)
    if _transition(request, job, "take_over", comment=request.POST.get("reason", "")):
        messages.success(request, "已接手该导入任务，现在可以确认导入或放弃。")
    return redirect("tabular:job", pk)


def _transition(request, job, name, **kwargs) -> bool:
    try:
        workflow.perform(job, name, request.user, **kwargs)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        return True
    return False


def job_errors(request, pk):
    job = _job(request, pk)
    if not job.errors or not job.file:
        raise Http404("没有错误说明可下载")
    buffer = io.BytesIO()
    engine.write_errors(job, buffer)
    name = job.original_name.rsplit(".", 1)[0]
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX), f"{name}-错误说明.xlsx")
