"""Prompt versions as a model reads them: every version x every eval case x every tone, and v3's fixes."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pydantic import SecretStr

from tactful import yamldoc
from tactful.catalog import ROOT, load
from tactful.cli import main
from tactful.config import Settings
from tactful.drafting import DraftRequest
from tactful.drafting.remote import RemoteDrafter
from tactful.drafting.schema import MalformedReply, parse_reply
from tactful.guardrails import check
from tactful.letter import TONES, CaseFile, Letter
from tactful.prompts import load_version, render, versions
from tests.fakes.openai_server import Behaviour

CASES = sorted((ROOT / "evals" / "cases").glob("*/*.yaml"))
DIGESTS = Path(__file__).parent / "data" / "render-digests.json"  # v1 and v2 as they were evaluated


@cache
def case_of(path: Path) -> CaseFile:
    return yamldoc.load(path, CaseFile)


def renders(version: str) -> list[tuple[Path, str, list[dict[str, str]]]]:
    catalog, v = load(), load_version(version)
    return [(p, tone, render(v, case_of(p), catalog, tone=tone)) for p in CASES for tone in TONES]


def instructions(messages: list[dict[str, str]]) -> list[str]:
    """The prompt's own lines: the data block (facts as JSON) left out."""
    user = re.sub(r"<case_facts>.*</case_facts>", "", messages[1]["content"], flags=re.DOTALL)
    return [line.strip() for m in (messages[0]["content"], user) for line in m.splitlines() if line.strip()]


def test_every_version_renders_every_case_in_every_tone() -> None:
    assert versions() == ["v1", "v2", "v3"]
    total = 0
    for version in versions():
        for path, tone, messages in renders(version):
            assert [m["role"] for m in messages] == ["system", "user"], (version, path.name, tone)
            assert messages[1]["content"].count("<case_facts>") == 1 == messages[1]["content"].count("</case_facts>")
            total += 1
    assert total == 3 * len(CASES) * len(TONES) >= 588


def test_evaluated_versions_render_exactly_as_when_they_were_evaluated() -> None:
    # Template variables are only ever added, so v1 and v2 send what they sent when they were evaluated.
    expected = json.loads(DIGESTS.read_text())
    for version in ("v1", "v2"):
        by_case: dict[str, hashlib._Hash] = {}
        for path, _, messages in renders(version):
            by_case.setdefault(path.stem, hashlib.sha256()).update(json.dumps(messages, ensure_ascii=False).encode())
        got = {name: h.hexdigest()[:16] for name, h in by_case.items()}
        assert len(expected[version]) >= 49
        assert {n: got[n] for n in expected[version]} == expected[version]


def test_v3_says_each_thing_once() -> None:
    for path, tone, messages in renders("v3"):
        repeated = [line for line, n in Counter(instructions(messages)).items() if n > 1]
        assert not repeated, (path.name, tone, repeated)
        assert sum(line.startswith("- too_long") for line in instructions(messages)) == 1


def test_v3_lists_the_keys_in_letter_order_with_the_sign_off_before_the_signature() -> None:
    for path, _, messages in renders("v3")[:: len(TONES)]:
        found = re.search(r"exactly these keys, in this order: (.*)\.", messages[1]["content"])
        assert found is not None
        keys = found[1].split(", ")
        signature = next(k for k in keys if k in ("signature", "owner_signature"))
        assert keys[0] == "greeting" and keys.index("sign_off") == keys.index(signature) - 1, path.name


def test_v3_gives_dates_as_the_language_writes_them_and_the_signature_without_honorific() -> None:
    catalog = load()
    seen_dates = stripped = 0
    for path, _, messages in renders("v3")[:: len(TONES)]:
        case = case_of(path)
        block = messages[1]["content"].split("<case_facts>")[1]
        forms = json.loads(block[block.index('{\n "letter_forms"'):block.index("</case_facts>")])["letter_forms"]
        assert forms["signature_name"] == catalog.lang(case.lang).own_name(case.facts.sender.name)
        stripped += forms["signature_name"] != case.facts.sender.name
        if case.facts.meeting:
            assert forms["dates"]["meeting.date"] == catalog.lang(case.lang).format_date(case.facts.meeting.date)
            seen_dates += 1
    assert seen_dates >= 5 and stripped >= 5
    th = next(m for p, _, m in renders("v3") if case_of(p).lang == "th" and case_of(p).facts.meeting)
    assert "2569" in th[1]["content"]  # the Buddhist-era year


def test_v3_carries_only_the_letters_own_language_guidance() -> None:
    others = {"usted": "es", "tuan/puan": "ms", "ท่าน": "th", "আপনি": "bn"}
    for path, _, messages in renders("v3")[:: len(TONES)]:
        lang = case_of(path).lang
        text = "\n".join(instructions(messages))
        example = text.split("A worked example")[0]  # the example is in the letter's language by design
        for word, owner in others.items():
            if owner != lang:
                assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", example), (path.name, word)


def test_v3_worked_example_is_in_the_letters_language_for_each_kind_and_stage() -> None:
    v3 = load_version("v3")
    catalog = load()
    for lang in ("en", "es", "ms", "th", "bn"):
        assert set(v3.worked_examples[lang]) == {"bad_news", "complaint_reply.acknowledgement",
                                                 "complaint_reply.resolution", "win_back"}
        for key, parts in v3.worked_examples[lang].items():
            kind, _, stage = key.partition(".")
            ids = catalog.kind(kind).stage(stage or None).section_ids
            verdict = check(Letter.from_flat(parts, ids), kind=kind, lang=lang, stage=stage or None, catalog=catalog)
            assert verdict.passed, (lang, key, verdict.failing_rules())  # the examples follow the guide they teach


def test_v3_apology_purposes_no_longer_say_again() -> None:
    for _path, _, messages in renders("v3")[:: len(TONES)]:
        apology = [line for line in instructions(messages) if line.startswith("- apology:")]
        assert all("Apologise again" not in line for line in apology)
    case = case_of(ROOT / "evals" / "cases" / "win_back" / "en-cancelled-catering.yaml")
    text = render(load_version("v3"), case, load(), tone="neutral")[1]["content"]
    assert "do not invent one" in text and '"cause"' not in text  # no cause given: none is shown, none invented


@pytest.mark.parametrize("reply", [
    '```json\n{"greeting": "Dear Ana,", "bad_news": "x"}\n```',
    'Here is the letter:\n```JSON\n{"greeting": "Dear Ana,", "bad_news": "x"}\n```\n',
    '```\n{"greeting": "Dear Ana,", "bad_news": "x"}```',
    'Sure! {"greeting": "Dear Ana,", "bad_news": "x"}',
])
def test_a_fenced_or_introduced_json_object_is_the_reply(reply: str) -> None:
    letter = parse_reply(reply, ["bad_news"])
    assert letter.greeting == "Dear Ana," and letter.sections == {"bad_news": "x"}


def test_a_reply_with_no_object_is_still_malformed() -> None:
    with pytest.raises(MalformedReply):
        parse_reply("```json\nnot json\n```", ["bad_news"])


def test_show_prompt_prints_the_messages_and_calls_no_model(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there: a call would fail
    path = ROOT / "evals" / "cases" / "complaint_reply" / "en-bank-fee-dispute.yaml"
    assert main(["draft", str(path), "--show-prompt", "--prompt", "v3", "--tone", "firm"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["prompt_version"] == "v3" and shown["tone"] == "firm"
    assert shown["messages"] == render(load_version("v3"), case_of(path), load(), tone="firm")


def test_a_v3_draft_with_native_dates_and_an_unprefixed_signature_passes(fake_llm) -> None:
    # A model that follows v3 (date as Thai letters write it, no self-honorific) is not sent back for repair.
    path = ROOT / "evals" / "cases" / "complaint_reply" / "th-hospital-billing.yaml"
    case, catalog = case_of(path), load()
    meeting = case.facts.meeting
    assert meeting is not None
    forms = render(load_version("v3"), case, catalog, tone="neutral")[1]["content"]
    date = catalog.lang("th").format_date(meeting.date)
    assert date in forms
    reply = {
        "greeting": f"เรียน {case.facts.customer.name}",
        "acknowledge_displeasure": "เราทราบดีว่าท่านไม่พอใจกับใบแจ้งค่ารักษาที่ได้รับ และขณะนี้เรากำลังเร่งตรวจสอบเรื่องนี้",
        "apology": "เราขออภัยต่อประสบการณ์ที่ท่านได้รับ และจะแก้ไขสิ่งที่พบให้ถูกต้อง",
        "learn_more": "เราอยากทราบรายละเอียดเพิ่มเติมที่ท่านยังไม่ได้แจ้ง เพื่อแก้ไขเรื่องนี้ให้เร็วที่สุด",
        "meeting": f"เราขอเสนอ{meeting.mode}ในวันที่ {date} โปรดแจ้งหากท่านสะดวกวันอื่น",
        "closing": "ขอขอบคุณที่อดทนรอระหว่างที่เราตรวจสอบ",
        "sign_off": "ขอแสดงความนับถือ",
        "signature": f"({catalog.lang('th').own_name(case.facts.sender.name)})\n{case.facts.sender.title} {case.facts.company}",
    }
    fake_llm.enqueue(Behaviour(content=json.dumps(reply, ensure_ascii=False)))
    settings = Settings(api_key=SecretStr("sk-test"), base_url=fake_llm.base_url, model="test-model", timeout_s=2.0,
                        max_attempts=1)
    from tactful.repair import guarded_draft

    result = guarded_draft(RemoteDrafter(settings), DraftRequest(case=case, catalog=catalog, prompt_version="v3", tone="neutral"),
                           max_repairs=0, token_budget=10_000)
    assert result.passed, result.verdict.failing_rules()
    assert "letter_forms" in fake_llm.requests[0].body["messages"][1]["content"]
