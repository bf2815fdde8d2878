"""Turning an uploaded file into text: .docx (paragraphs and tables, in document order) or plain text in
UTF-8, UTF-16 or GBK/GB18030 — with a clear Chinese message for anything else."""

from __future__ import annotations

import io
import zipfile

from kechuang.core import archives

MAX_BYTES = 5 * 1024 * 1024  # a plan is tens of KB; five MB of text is not a plan
MAX_DOCX_BYTES = 20 * 1024 * 1024
MAX_DOCX_UNZIPPED = 200 * 1024 * 1024  # a plan's text and images, unpacked
MAX_DOCX_RATIO = 150


class ParseError(ValueError):
    """Input that cannot be read as a plan; the message says why, in Chinese."""


def _docx_text(data: bytes) -> str:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for broken packages
        raise ParseError("无法读取该 Word 文件：文件已损坏或不是 .docx 格式。") from exc
    lines = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.replace("\n", " ").strip()
                    if not cells or cells[-1] != value:  # merged cells repeat their text
                        cells.append(value)
                lines.append("\t".join(cells))
    return "\n".join(lines)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ParseError("该文件是二进制文件，不是文本或 Word 文档，请上传 .txt 或 .docx。")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
        if controls > max(8, len(text) // 200):
            raise ParseError("该文件包含大量控制字符，不是可读的文本，请上传 .txt 或 .docx。")
        return text
    raise ParseError(
        "无法识别文件的文字编码（支持 UTF-8、UTF-16 与 GBK/GB18030），请另存为 UTF-8 文本或 .docx 后再上传。"
    )


def read_document(data: bytes, filename: str = "") -> str:
    """The text of an uploaded plan. Raises ParseError with the reason when it cannot be one."""
    if not data or not data.strip():
        raise ParseError("文件为空，没有可解析的内容。")
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if len(data) > MAX_DOCX_BYTES:
            raise ParseError(
                f"Word 文件过大（{len(data) / 1024 / 1024:.1f} MB），上限 {MAX_DOCX_BYTES // 1024 // 1024} MB。"
            )
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            raise ParseError("无法读取该文件：压缩包已损坏。") from exc
        try:  # python-docx inflates every part: first make sure none is a zip bomb
            archives.check(io.BytesIO(data), MAX_DOCX_UNZIPPED, MAX_DOCX_RATIO)
        except archives.ArchiveRefused as exc:
            raise ParseError(str(exc)) from None
        if "word/document.xml" not in names:
            raise ParseError("该文件不是 Word 文档（.docx），请上传 .txt 或 .docx。")
        text = _docx_text(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".doc"):
        raise ParseError("不支持旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再上传。")
    elif data[:5] == b"%PDF-":
        raise ParseError("暂不支持 PDF，请复制正文粘贴，或上传 .docx / .txt。")
    else:
        if len(data) > MAX_BYTES:
            raise ParseError(
                f"文本过大（{len(data) / 1024 / 1024:.1f} MB），上限 {MAX_BYTES // 1024 // 1024} MB；"
                "一份行动方案通常只有几十 KB，请检查是否选错了文件。"
            )
        text = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError("文件中没有文字内容。")
    return text
