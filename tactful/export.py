"""Export a passing letter: plain text, Markdown, and a block-layout .docx (python-docx)."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from .letter import Letter

if TYPE_CHECKING:
    from .catalog import Lang


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


def to_docx(letter: Letter, *, passed: bool, company: str = "", date: dt.date | None = None,
            lang: Lang | None = None, author: str = "", title: str = "") -> bytes:
    """A block-format business letter: everything flush left, a blank line between blocks.

    The date is written as the letter's language writes it (the Thai Buddhist era, Bengali digits);
    the font is the language pack's ``docx_font`` for every script (Word takes Thai and Bengali from
    the complex-script font), and the document's author and title are set.
    """
    _guard(passed)
    doc = Document()
    style = doc.styles["Normal"]
    font = lang.pack.docx_font if lang is not None else "Calibri"
    style.font.name = font
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(10)
    doc.core_properties.author = author or company
    doc.core_properties.title = title
    if company:
        doc.add_paragraph(company)
    day = date or dt.date.today()
    doc.add_paragraph(lang.format_date(day) if lang is not None else day.isoformat())
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
