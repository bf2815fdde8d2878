"""Uploaded documents (a report's evidence, an application's attachments) are checked by their content, not
their name: documents and images only, size-limited."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

from kechuang.core.uploads import megabytes

ACCEPTED = "PDF、Word（.docx）、Excel（.xlsx）、OFD、JPG、PNG"


def check_document(upload, *, what: str = "佐证材料", limit_setting: str = "EVIDENCE_MAX_BYTES") -> None:
    """Raise ValidationError (Chinese) unless `upload` is a document or image within the size limit
    (`limit_setting`; the page's uploads stop there already, `core.uploads`). `what` names it in the message."""
    name = getattr(upload, "name", "文件")
    limit = getattr(settings, limit_setting)
    if upload.size == 0:
        raise ValidationError(f"{what}“{name}”是空文件。")
    if upload.size > limit:
        raise ValidationError(f"文件“{name}”超过 {megabytes(limit)} MB，未上传。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            names = []
        finally:
            upload.seek(0)
        if any(n.startswith(("word/", "xl/", "Doc_", "OFD.xml")) for n in names) or "OFD.xml" in names:
            return
    raise ValidationError(f"{what}“{name}”不是文档或图片（按文件内容识别），仅接受 {ACCEPTED}。")
