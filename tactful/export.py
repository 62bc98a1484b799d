"""Export a passing letter: plain text, Markdown, and a block-layout .docx (python-docx)."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.shared import Pt

from .letter import Letter


class NotExportable(Exception):
    """A failing letter cannot be exported as if it passed."""


def _guard(passed: bool) -> None:
    if not passed:
        raise NotExportable("this draft failed the guardrails; fix it before exporting")


def to_txt(letter: Letter, *, passed: bool) -> str:
    """The letter as plain text."""
    _guard(passed)
    return letter.text + "\n"


def to_md(letter: Letter, *, passed: bool) -> str:
    """The letter as Markdown (paragraphs; line breaks kept inside the signature)."""
    _guard(passed)
    paragraphs = letter.text.split("\n\n")
    return "\n\n".join(p.replace("\n", "  \n") for p in paragraphs) + "\n"


def to_docx(letter: Letter, *, passed: bool, company: str = "", date: dt.date | None = None) -> bytes:
    """A block-format business letter: everything flush left, a blank line between blocks."""
    _guard(passed)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(10)
    if company:
        doc.add_paragraph(company)
    doc.add_paragraph((date or dt.date.today()).isoformat())
    for block in letter.text.split("\n\n"):
        para = doc.add_paragraph()
        lines = block.split("\n")
        for i, line in enumerate(lines):
            run = para.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
