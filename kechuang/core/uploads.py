"""Uploads stop at their limit while they arrive: nothing beyond it is read into memory or written to disk.

Each view that takes files names its limit — a setting — with `@upload_limit("IMPORT_MAX_BYTES")`;
others get `UPLOAD_MAX_BYTES`. `LimitedUploadHandler` is first in `FILE_UPLOAD_HANDLERS`: it passes each
file's chunks on to Django's memory and temporary-file handlers only while the file is within its limit; at
the first chunk past it the file is dropped (what was kept of it is closed and its temporary file deleted),
the rest of that file is read off the connection and thrown away, and the other fields of the form are
parsed as usual. The view finds the file missing from `request.FILES` and the reason, in Chinese, in
`refused(request)[field name]`: “文件“x.xlsx”超过 40 MB，未上传。”.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

DEFAULT_SETTING = "UPLOAD_MAX_BYTES"


def upload_limit(setting: str):
    """Declare that a view takes files up to the size in `setting` (read at each request, so a changed
    setting applies at once)."""

    def decorate(view):
        view.upload_limit_setting = setting
        return view

    return decorate


def megabytes(size: int) -> str:
    """A size in MB as people write it: 40, 2.5, 0.1."""
    return f"{round(size / 1024 / 1024, 1):g}"


def limit_of(request) -> int:
    """The byte limit of one file sent to the view `request` is for."""
    match = getattr(request, "resolver_match", None) if request is not None else None
    setting = getattr(getattr(match, "func", None), "upload_limit_setting", DEFAULT_SETTING)
    return int(getattr(settings, setting))


def refusal_message(file_name: str, limit: int) -> str:
    return f"文件“{file_name}”超过 {megabytes(limit)} MB，未上传。"


def refused(request) -> dict[str, str]:
    """Field name → why its file was not taken (empty when every file arrived)."""
    return getattr(request, "refused_uploads", {})


class LimitedUploadHandler(FileUploadHandler):
    """Counts each file's bytes and drops the file at the first chunk past the view's limit."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, extra)
        self.limit = limit_of(self.request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) holds the file

    def _refuse(self):
        if self.request is not None:
            if not hasattr(self.request, "refused_uploads"):
                self.request.refused_uploads = {}
            self.request.refused_uploads[self.field_name] = refusal_message(self.file_name, self.limit)
        raise SkipFile
