"""The JSON shape a model must reply with: one string per part of the letter, keyed by canonical IDs."""

from __future__ import annotations

import json
import re
from typing import Any

from ..letter import Letter


class MalformedReply(Exception):
    """The reply was not a complete JSON letter (the retry policy retries it)."""

    def __init__(self, detail: str, text: str) -> None:
        super().__init__(detail)
        self.detail, self.text = detail, text


SURROGATE = re.compile(r"[\ud800-\udfff]")
# Models wrap the object in a Markdown fence despite "no markdown", often with a line before it
# ("Here is the letter:"): the object is the reply; what is around it is not part of the letter.
FENCED = re.compile(r"```[A-Za-z]*[ \t]*\n?(.*?)```", re.DOTALL)


def json_text(text: str) -> str:
    """The JSON object in a reply: the reply itself, a fenced block in it, or its outermost braces."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        return text
    fenced = FENCED.search(text)
    if fenced and fenced.group(1).strip().startswith("{"):
        return fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text


def draft_schema(section_ids: list[str]) -> dict[str, Any]:
    """A strict JSON schema: greeting, each section ID, sign_off; all strings, all required."""
    keys = ["greeting", *section_ids, "sign_off"]
    return {
        "type": "object",
        "properties": {key: {"type": "string"} for key in keys},
        "required": keys,
        "additionalProperties": False,
    }


def parse_reply(text: str, section_ids: list[str]) -> Letter:
    """A letter from the model's reply, or ``MalformedReply`` (which the retry policy retries)."""
    cleaned = json_text(text)
    try:
        data = json.loads(cleaned)
    except json.JSONDecodeError as err:
        raise MalformedReply(f"invalid JSON at character {err.pos} ({err.msg})", text) from None
    if not isinstance(data, dict):
        raise MalformedReply("the reply is not a JSON object", text)
    wrong = [k for k, v in data.items() if not isinstance(v, str)]
    if wrong:
        raise MalformedReply(f"non-text values for {wrong}", text)
    broken = [k for k, v in data.items() if SURROGATE.search(v)]
    if broken:
        raise MalformedReply(f"invalid Unicode (a lone surrogate) in {', '.join(map(repr, broken))}", "")
    letter = Letter.from_flat(data, section_ids)
    if not letter.sections:
        raise MalformedReply(f"none of the expected keys ({', '.join(section_ids)}) were filled", text)
    return letter
