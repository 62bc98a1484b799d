"""The offline drafter's letters, read as the customer receives them, for every eval case and tone.

Each test looks for one flaw a careful reader noticed in earlier letters (issue 11), in every
language the flaw can occur in; the last one checks that every letter passes its own check.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tactful import yamldoc
from tactful.catalog import ROOT, load
from tactful.drafting import DraftRequest
from tactful.drafting.offline import OfflineDrafter, load_bank
from tactful.guardrails import check
from tactful.letter import TONES, CaseFile, Letter

CASES = sorted((ROOT / "evals" / "cases").glob("*/*.yaml"))


@cache
def letters() -> list[tuple[str, str, CaseFile, Letter]]:
    catalog = load()
    out = []
    for path in CASES:
        case = yamldoc.load(path, CaseFile)
        for tone in TONES:
            letter = OfflineDrafter().draft(DraftRequest(case=case, catalog=catalog, prompt_version="v2", tone=tone)).letter
            out.append((path.stem, tone, case, letter))
    return out


def offending(pattern: str, *, lang: str | None = None, section: str | None = None, when=lambda case: True) -> list[str]:
    """Letters (case/tone) where ``pattern`` occurs, in ``section`` or the whole letter."""
    found = []
    for name, tone, case, letter in letters():
        if (lang and case.lang != lang) or not when(case):
            continue
        text = letter.sections.get(section, "") if section else letter.text
        if re.search(pattern, text, re.IGNORECASE):
            found.append(f"{name}/{tone}")
    return found


def test_every_eval_case_and_tone_is_drafted() -> None:
    assert len(letters()) == len(CASES) * len(TONES) >= 49 * 6
    assert {case.lang for _, _, case, _ in letters()} == {"en", "es", "ms", "th", "bn"}


def test_a_letter_to_a_named_customer_is_not_signed_off_faithfully() -> None:
    # "Yours faithfully" answers "Dear Sir or Madam"; every greeting here names the customer
    assert all("Dear " in letter.greeting for _, _, case, letter in letters() if case.lang == "en")
    assert not [n for n, t, case, letter in letters() if case.lang == "en" and "faithfully" in letter.sign_off.casefold()]


# A proposed meeting has a date and a mode, never a time: nothing may ask whether "that time" suits.
@pytest.mark.parametrize(("lang", "pattern"), [
    ("en", r"\bthat time\b"), ("ms", r"masa tersebut"), ("th", "วันเวลา"), ("bn", "সময়টি"), ("es", r"\besa hora\b"),
])
def test_a_meeting_given_only_a_date_is_not_a_time(lang: str, pattern: str) -> None:
    assert not offending(pattern, lang=lang, section="meeting")
    assert [n for n, _, case, letter in letters() if case.lang == lang and "meeting" in letter.sections]  # some were read


@pytest.mark.parametrize(("lang", "pattern"), [
    ("en", r"\b(again|once more)\b"), ("es", r"de nuevo|reiter|otra vez"), ("ms", r"sekali lagi"),
    ("th", "อีกครั้ง"), ("bn", "আবার"),
])
def test_no_letter_apologises_again(lang: str, pattern: str) -> None:
    # the letter in hand is the only one the customer may have: "sorry again" has nothing to refer to
    assert not offending(pattern, lang=lang, section="apology")
    assert not offending(pattern, lang=lang, section="owner_apology")


@pytest.mark.parametrize(("lang", "pattern"), [
    ("en", r"full responsibility"), ("es", r"toda la responsabilidad"),
    ("ms", r"tanggungjawab sepenuhnya|bertanggungjawab sepenuhnya"),
    ("th", "รับผิดชอบ(อย่างเต็มที่|ทั้งหมด|เต็มที่|ต่อสิ่งที่เกิดขึ้นทั้งหมด)"), ("bn", "পূর্ণ দায়|সম্পূর্ণ দায়"),
])
def test_full_responsibility_only_for_an_established_fault(lang: str, pattern: str) -> None:
    catalog = load()
    read = 0
    for _, tone, case, _ in letters():
        if case.lang != lang or case.kind != "complaint_reply":
            continue
        for fault in (False, True):  # each complaint as it would read with and without an established fault
            c = case.model_copy(update={"facts": case.facts.model_copy(update={"our_fault": fault})})
            request = DraftRequest(case=c, catalog=catalog, prompt_version="v2", tone=tone)
            apology = OfflineDrafter().draft(request).letter.sections["apology"]
            assert bool(re.search(pattern, apology)) == fault, f"{case.stage}/{tone}, our_fault {fault}: {apology}"
            read += 1
    assert read >= 2 * len(TONES)


def test_the_signature_carries_no_self_honorific() -> None:
    catalog = load()
    stripped = 0
    for name, tone, case, letter in letters():
        sid = "owner_signature" if case.kind == "win_back" else "signature"
        first = letter.sections[sid].splitlines()[0].strip("() ")
        own = catalog.lang(case.lang).own_name(case.facts.sender.name)
        assert first == own, f"{name}/{tone}: {first!r}"
        stripped += own != case.facts.sender.name
    assert stripped  # some senders' names carry an honorific (Encik, Puan, นาย, คุณ)


@pytest.mark.parametrize(("lang", "name", "signed"), [
    ("ms", "Encik Ravi a/l Subramaniam", "Ravi a/l Subramaniam"),
    ("ms", "Puan Hajah Rosmah binti Said", "Hajah Rosmah binti Said"),
    ("en", "Mr. Ravi Kumar", "Ravi Kumar"), ("en", "Dr. Ana Ruiz", "Dr. Ana Ruiz"), ("th", "คุณวรรณา ศรีสุข", "วรรณา ศรีสุข"),
    ("th", "นางสาวพิมพ์ชนก วงศ์สวัสดิ์", "พิมพ์ชนก วงศ์สวัสดิ์"), ("th", "ดร.สมชาย ใจดี", "ดร.สมชาย ใจดี"),
    ("bn", "জনাব আব্দুল মালেক", "আব্দুল মালেক"), ("es", "Sra. Marta Gil", "Marta Gil"), ("en", "Mr", "Mr"),
])
def test_own_name_drops_the_honorific_and_keeps_professional_titles(lang: str, name: str, signed: str) -> None:
    assert load().lang(lang).own_name(name) == signed


def test_malay_addresses_the_customer_by_their_own_title() -> None:
    titled = lambda c: c.facts.customer.name.split()[0].casefold() in load_bank("ms").address.by_honorific  # noqa: E731
    assert [c for _, _, c, _ in letters() if c.lang == "ms" and titled(c)]
    assert not offending(r"tuan/puan", lang="ms", when=titled)
    assert not offending(r"\banda\b", lang="ms", when=titled)  # nor mixes in "anda"


def test_thai_letters_do_not_use_the_stiff_first_person() -> None:
    assert not offending("ข้าพเจ้า", lang="th")


def test_english_letters_read_as_written_by_a_careful_writer() -> None:
    assert not [f"{n}/{t}" for n, t, c, letter in letters() if c.lang == "en" and letter.text.casefold().count("may help") > 1]
    assert not offending(r"As an alternative:", lang="en")
    # the relationship belongs to the customer: never "<company> as a banking client"
    for n, t, c, letter in letters():
        if c.lang == "en" and c.facts.customer.relationship:
            assert f"{c.facts.company} as a" not in letter.text, f"{n}/{t}"


def test_win_back_owns_a_given_cause_and_invents_none(tmp_path: Path) -> None:
    catalog = load()
    path = ROOT / "evals" / "cases" / "win_back" / "en-cancelled-catering.yaml"
    case = yamldoc.load(path, CaseFile)
    cause = "We booked too few staff for a Saturday"
    with_cause = case.model_copy(update={"facts": case.facts.model_copy(update={"cause": cause})})
    for c in (case, with_cause):
        letter = OfflineDrafter().draft(DraftRequest(case=c, catalog=catalog, prompt_version="v2", tone="neutral")).letter
        explanation = letter.sections["explanation"]
        assert ("we booked too few staff for a Saturday" in explanation) == bool(c.facts.cause)
        assert "our responsibility" in explanation
        assert check(letter, kind=c.kind, lang=c.lang, facts=c.facts, catalog=catalog).passed


def test_people_involved_are_named_with_their_titles_on_the_cc_line() -> None:
    catalog = load()
    path = ROOT / "evals" / "cases" / "complaint_reply" / "en-late-delivery.yaml"
    case = yamldoc.load(path, CaseFile)
    data = case.model_dump()
    data["facts"]["people_involved"] = ["Siti Aminah (Team Lead)", "Ravi Kumar"]  # as the form and case files write them
    case = CaseFile.model_validate(data)
    letter = OfflineDrafter().draft(DraftRequest(case=case, catalog=catalog, prompt_version="v2", tone="neutral")).letter
    assert letter.sections["cc"] == "cc: Siti Aminah (Team Lead), Ravi Kumar"
    assert check(letter, kind=case.kind, lang=case.lang, stage=case.stage, facts=case.facts, catalog=catalog).passed


def test_every_offline_letter_passes_its_own_check() -> None:
    catalog = load()
    failed = [f"{n}/{t}: {[v.rule for v in verdict.errors]}" for n, t, c, letter in letters()
              if not (verdict := check(letter, kind=c.kind, lang=c.lang, stage=c.stage, facts=c.facts, catalog=catalog)).passed]
    assert not failed
