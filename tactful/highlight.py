"""A letter as HTML with each violation's span marked: shared by the app and the eval report."""

from __future__ import annotations

import html
from typing import Any


def highlighted(text: str, violations: list[dict[str, Any]]) -> str:
    """The letter as HTML, each violation's span marked (errors red, warnings amber)."""
    marks = sorted((v for v in violations if v.get("span")), key=lambda v: v["span"][0])
    out, pos = [], 0
    for v in marks:
        start, end = v["span"]
        if start < pos or end - start >= len(text):
            continue
        colour = "#ffd6d6" if v["severity"] == "error" else "#fff0c2"
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark style="background:{colour}" title="{html.escape(v["rule"])}: '
                   f'{html.escape(v["message"])}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    body = "".join(out).replace("\n", "<br>")
    return f'<div class="tactful-letter" style="font-family:Georgia,serif;line-height:1.5">{body}</div>'
