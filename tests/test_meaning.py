"""The checker reads letters by meaning: sections and faults it was not given as phrases, in context.

These tests use sentences written for them (never the independent corpus in tests/data/corpus/,
whose figures bench/corpus_quality.py reports), and the shipped meaning models.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tactful.catalog import ROOT, Catalog
from tactful.guardrails import check
from tactful.guardrails.meaning import read
from tactful.guardrails.teach import build, inputs_sha256, model_path, teaching_languages
from tactful.letter import Facts, Letter
from tactful.text import ThaiEdges

PRINT_SHOP = Facts.model_validate({
    "company": "Fernwood Print Studio", "sender": {"name": "Dana Ortiz", "title": "Owner"},
    "customer": {"name": "Ms. Priya Shah"}, "our_fault": True,
    "what_happened": "Your wedding invitations were printed with the wrong date.",
    "offer": "A free reprint of all 120 invitations."})
BANK = Facts.model_validate({
    "company": "Fake Financial", "sender": {"name": "Dana Ortiz", "title": "Branch Manager"},
    "customer": {"name": "Mr. Arun Lee", "relationship": "banking client for six years"},
    "what_happened": "Your application for a personal loan was denied.", "offer": "You may reapply in six months."})

WIN_BACK = """Dear Ms. Shah,

I am writing to you personally about your wedding invitations.

I am so sorry that we printed them with the wrong date.

We skipped our proofing step that week to finish sooner, and that was my decision and my mistake.

You must have been upset, and I would value hearing how this affected you.

I would like to offer a free reprint of all 120 invitations.

With my sincere apologies,

Dana Ortiz
Owner, Fernwood Print Studio"""

DENIAL = """Dear Mr. Lee,

Thank you for banking with Fake Financial for the past six years.

We have decided not to approve your application for a personal loan.

One option is to reapply in six months.

I am happy to talk this through whenever suits you.

Dana Ortiz
Branch Manager"""


def section_of(verdict, text: str, sentence: str) -> set[str]:
    start = text.index(sentence)
    return {s.id for s in verdict.sections for a, b in s.parts if a <= start < b}


@pytest.mark.parametrize("lang", teaching_languages(ROOT))
def test_models_are_built_from_the_current_data(lang: str) -> None:
    """CI verifies the artefact: teaching data, pack or feature code changed without `make model` fails here."""
    report = json.loads(model_path(ROOT, lang).with_suffix(".json").read_text(encoding="utf-8"))
    assert report["inputs_sha256"] == inputs_sha256(ROOT, lang), f"guardrails/model/{lang}.npz is stale: run `make model`"
    assert read(model_path(ROOT, lang)).inputs_sha256 == report["inputs_sha256"]


def test_model_rebuilds_reproducibly_and_a_new_example_changes_it(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "guardrails", tmp_path / "guardrails")
    catalog = Catalog(tmp_path)
    build(tmp_path, "en", catalog, verbose=False, cv=False)
    shipped, rebuilt = read(model_path(ROOT, "en")), read(model_path(tmp_path, "en"))
    assert shipped.vocab == rebuilt.vocab
    assert np.array_equal(shipped.w_sec, rebuilt.w_sec) and np.array_equal(shipped.w_rule, rebuilt.w_rule)
    sentence = "The warehouse robots were being recalibrated by the vendor that week."
    before = rebuilt.score(sentence).rules["excuse_making"]
    teach = tmp_path / "guardrails" / "teach" / "en.yaml"
    text = teach.read_text(encoding="utf-8").replace(
        "  excuse_making:\n    flag:\n",
        "  excuse_making:\n    flag:\n" + "".join(
            f'      - "{s}"\n' for s in [
                "The warehouse robots were being recalibrated that week, so orders slipped.",
                "Our robots were being recalibrated by the vendor, which slowed every order down.",
                "Recalibration of the warehouse robots that week is why your order was late."]), 1)
    assert text != teach.read_text(encoding="utf-8")
    teach.write_text(text, encoding="utf-8")
    build(tmp_path, "en", Catalog(tmp_path), verbose=False, cv=False)
    assert read(model_path(tmp_path, "en")).score(sentence).rules["excuse_making"] > before


def test_sections_are_found_by_what_the_sentences_do() -> None:
    verdict = check(WIN_BACK, kind="win_back", lang="en", facts=PRINT_SHOP)
    assert section_of(verdict, WIN_BACK, "I am writing to you personally") == {"prompt_acknowledgement"}
    assert section_of(verdict, WIN_BACK, "I would like to offer a free reprint") == {"olive_branch"}
    denial = check(DENIAL, kind="bad_news", lang="en", facts=BANK)
    assert "solution" in section_of(denial, DENIAL, "One option is to reapply in six months.")
    assert {s.id for s in denial.sections if s.present} >= {"opening_thanks", "bad_news", "solution", "signature"}
    assert all(s.confidence is not None for s in denial.sections if s.present and s.id != "signature")


def test_a_sign_off_is_recognised_by_its_shape() -> None:
    verdict = check(WIN_BACK, kind="win_back", lang="en", facts=PRINT_SHOP)
    signature = next(s for s in verdict.sections if s.id == "owner_signature")
    assert signature.present and signature.span is not None
    assert WIN_BACK[signature.span[0] : signature.span[1]].startswith("Dana Ortiz")
    assert not [v for v in verdict.violations if v.rule == "missing_signature"]
    assert verdict.passed, [(v.rule, v.message) for v in verdict.errors]


def test_a_structured_section_that_does_not_do_its_job_is_missing() -> None:
    letter = Letter(greeting="Dear Mr. Lee,", sign_off="Kind regards,", sections={
        "opening_thanks": "Thank you for banking with Fake Financial for the past six years.",
        "bad_news": "We truly appreciate your loyalty and the trust you have placed in us over the years.",
        "solution": "You may reapply in six months.",
        "closing": "Please contact me if you have any questions.",
        "signature": "Dana Ortiz\nBranch Manager"})
    verdict = check(letter, kind="bad_news", lang="en", facts=BANK)
    hit = [v for v in verdict.errors if v.rule == "missing_section" and v.section == "bad_news"]
    assert hit and "does not do its job" in hit[0].message


def test_blame_said_in_passing_is_caught_and_owning_the_fault_is_not() -> None:
    facts = Facts.model_validate({
        "company": "SwiftParcel", "sender": {"name": "Aisha Bello", "title": "Customer Care Lead"},
        "customer": {"name": "Mr. Peter Walsh"}, "what_happened": "Your parcel arrived four days late.",
        "meeting": {"date": "2026-11-27", "mode": "phone call"}})
    template = """Dear Mr. Walsh,

We know you are unhappy that your parcel arrived four days late, and we are looking into it today.

We are sorry. {cause}

We would like to learn more about what happened, so that we can resolve this quickly.

Could we call you on 27 November 2026?

Kind regards,

Aisha Bello
Customer Care Lead"""
    blaming = template.format(cause="It was late because the courier company we use delivered it on the wrong round.")
    owning = template.format(cause="Our driver left it in the depot overnight, and that was our failure.")
    assert "blame_shifting" in {v.rule for v in check(blaming, kind="complaint_reply", lang="en",
                                                      stage="acknowledgement", facts=facts).violations}
    assert "blame_shifting" not in {v.rule for v in check(owning, kind="complaint_reply", lang="en",
                                                          stage="acknowledgement", facts=facts).violations}


def test_apologies_are_counted_by_meaning() -> None:
    facts = PRINT_SHOP
    letter = WIN_BACK.replace(
        "You must have been upset,",
        "Please forgive us. I regret this deeply. I feel terrible about what we did to your day. You must have been upset,")
    verdict = check(letter, kind="win_back", lang="en", facts=facts)
    assert "over_apology" in {v.rule for v in verdict.violations}


def test_thai_phrases_match_on_word_boundaries() -> None:
    text = "ขอโทรศัพท์หาคุณพรุ่งนี้ได้ไหมคะ"
    edges = ThaiEdges(text)
    assert 0 in edges and text.index("โทรศัพท์") in edges
    assert text.index("โทรศัพท์") + 2 not in edges  # "โท" is not a word inside โทรศัพท์


@pytest.mark.parametrize(("lang", "name", "signed"), [
    ("ms", "Encik Faizal Rahman", "Faizal Rahman\nPemilik"),
    ("th", "คุณวิไลวรรณ ทองดี", "วิไลวรรณ ทองดี\nเจ้าของร้าน"),
    ("en", "Dr. Rachel Osei", "Dr Rachel Osei\nClinic Director"),
])
def test_a_signature_names_the_sender_without_their_own_honorific(lang: str, name: str, signed: str) -> None:
    from tactful.guardrails.structure import signs_as

    catalog = Catalog(ROOT)
    assert signs_as(signed, name, catalog.lang(lang).honorifics | catalog.lang(lang).titles)
    assert not signs_as("Customer Care Team", name, catalog.lang(lang).honorifics | catalog.lang(lang).titles)


def grounding_errors(text: str, kind: str, lang: str, facts: dict[str, Any], stage: str | None = None) -> list[str]:
    verdict = check(text, kind=kind, lang=lang, stage=stage, facts=Facts.model_validate(facts))
    return [text[v.span[0] : v.span[1]] for v in verdict.violations if v.rule == "ungrounded_detail" and v.span]


def test_details_are_grounded_in_any_form() -> None:
    facts = {"company": "Fernwood Print Studio", "sender": {"name": "Dana Ortiz", "title": "Owner"},
             "customer": {"name": "Mr. Arun Lee"}, "offer": "A reprint within twelve days.",
             "what_happened": "The order of 40,000 USD placed on 2026-12-03 was printed late."}
    letter = ("Dear Mr. Lee,\n\nAt Fernwood Print Studio we value your custom.\n\nYour order of $40,000 from "
              "3 December was printed late.\n\nWe will reprint it within 12 days.\n\nKind regards,\n\nDana Ortiz\nOwner")
    assert grounding_errors(letter, "win_back", "en", facts) == []
    facts_bn = {"company": "রঙধনু ফ্যাশন হাউস", "sender": {"name": "সাবরিনা ইয়াসমিন", "title": "ব্যবস্থাপক"},
                "customer": {"name": "মিসেস রুমানা আক্তার"}, "what_happened": "দুটি শাড়ি ভুল রঙের পাঠানো হয়েছে।",
                "discussion": "২০২৬-১১-২৫ তারিখে আলোচনা হয়েছে।", "people_involved": ["মোঃ জসিম উদ্দিন", "রাশেদ করিম"],
                "agreed_resolution": {"action": "সঠিক শাড়ি পাঠানো হবে", "timeframe": "পাঁচ কার্যদিবসের মধ্যে"}}
    letter_bn = ("প্রিয় মিসেস রুমানা আক্তার,\n\n২৫ নভেম্বরের আলোচনায় আমরা সমস্যাটি নিশ্চিত করেছি।\n\n"
                 "৫ কার্যদিবসের মধ্যে সঠিক শাড়ি পাঠানো হবে।\n\nবিনীত,\n\nসাবরিনা ইয়াসমিন\nব্যবস্থাপক\n\n"
                 "অনুলিপি:\n১। মোঃ জসিম উদ্দিন\n২। রাশেদ করিম")
    assert grounding_errors(letter_bn, "complaint_reply", "bn", facts_bn, stage="resolution") == []
    facts_th = {"company": "ธนาคารสยาม", "sender": {"name": "นางสาวพิมพ์ชนก วงศ์สวัสดิ์", "title": "ผู้จัดการ"},
                "customer": {"name": "คุณสมชาย ใจดี", "relationship": "ลูกค้ามาสิบสองปี"},
                "what_happened": "ไม่อนุมัติบัตรเครดิต", "offer": "ยื่นใหม่ได้หลังจากหกเดือน"}
    letter_th = ("เรียน คุณสมชาย ใจดี\n\nขอบคุณที่เป็นลูกค้าของเรามา 12 ปี\n\nธนาคารไม่อนุมัติบัตรเครดิตของท่าน\n\n"
                 "ท่านยื่นใหม่ได้หลังจาก 6 เดือน\n\nขอแสดงความนับถือ\n\nพิมพ์ชนก วงศ์สวัสดิ์")
    assert grounding_errors(letter_th, "bad_news", "th", facts_th) == []
    assert grounding_errors(letter.replace("12 days", "14 days"), "win_back", "en", facts) == ["14"]


def test_a_fault_quoted_from_the_facts_names_its_field() -> None:
    facts = BANK.model_copy(update={"what_happened": "Your loan was denied because you failed to send the payslips."})
    letter = DENIAL.replace("We have decided not to approve your application for a personal loan.",
                            "Your loan was denied because you failed to send the payslips.")
    verdict = check(letter, kind="bad_news", lang="en", facts=facts)
    blame = [v for v in verdict.violations if v.rule == "blame_shifting"]
    assert blame and blame[0].fact == "what_happened" and "what_happened" in blame[0].message


def test_a_letter_past_twice_its_budget_is_an_error() -> None:
    padding = " ".join(["We value the trust you have placed in us, and we thank you for it."] * 60)
    letter = DENIAL.replace("Thank you for banking with Fake Financial for the past six years.", padding)
    too_long = [v for v in check(letter, kind="bad_news", lang="en", facts=BANK).violations if v.rule == "too_long"]
    assert too_long and too_long[0].severity == "error"


def test_spans_point_into_the_users_own_text() -> None:
    nfd = DENIAL.replace("Fake Financial", "Fake Financie\u0301re").replace("\n", "\r\n") + "\ud800"
    verdict = check(nfd, kind="bad_news", lang="en")
    assert verdict.text == nfd.replace("\ud800", "\ufffd")
    solution = next(s for s in verdict.sections if s.id == "solution")
    assert solution.present and nfd[solution.parts[0][0] : solution.parts[0][1]].startswith("One option")


OWNING_LETTER = """Estimada Sra. Ruiz:

Gracias por escribirnos y por contarnos lo ocurrido con su bicicleta.

Lamentamos mucho el retraso. {cause}

Le llamaremos el 27 de noviembre para hablarlo con calma.

Atentamente,

Marta Gil
Responsable de taller"""


def test_a_sentence_that_owns_its_cause_is_not_unsure_blame_and_the_words_are_data(tmp_path: Path) -> None:
    from tactful.catalog import ROOT, load

    owning = OWNING_LETTER.format(cause="El retraso se debió a que no pedimos a tiempo la pieza del motor al fabricante.")
    shifting = OWNING_LETTER.format(cause="El retraso se debió a que la empresa de transporte que usamos entregó la "
                                          "pieza en otra tienda.")

    def blame(letter: str, catalog=None) -> list[bool]:
        verdict = check(letter, kind="complaint_reply", stage="acknowledgement", lang="es", catalog=catalog)
        return [v.unsure for v in verdict.violations if v.rule == "blame_shifting"]

    assert blame(owning) == [] and blame(shifting)
    for folder in ("guardrails", "prompts", "evals"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    pack = tmp_path / "guardrails" / "lang" / "es.yaml"
    pack.write_text("\n".join(line for line in pack.read_text().splitlines() if not line.startswith("owning_regex:")))
    assert blame(owning, load(tmp_path)) == [True]  # without the pack's owning words the model alone is unsure


def test_the_reason_for_a_denial_is_bad_news_not_the_solution() -> None:
    """A denial whose only sentence after the decision gives its reason has no honest positive: the reason is
    part of the bad news (the guide: what was decided and how it affects the client), and the solution is missing."""
    letter = ("Dear Mr. Okoro,\n\nThank you for choosing Millbrook Bank for your car finance application.\n\n"
              "We are unable to approve the loan you applied for.\n\n"
              "The repayments on your existing credit cards already take up more of your income than our rules allow.\n\n"
              "Please call me on the branch number if you would like to talk it through.\n\n"
              "Yours sincerely,\n\nSam Whitfield\nLending Manager, Millbrook Bank\n")
    verdict = check(letter, kind="bad_news", lang="en")
    assert section_of(verdict, letter, "The repayments on your existing credit cards") == {"bad_news"}
    assert [v for v in verdict.violations if v.rule == "missing_section" and v.section == "solution"]


def test_section_only_teaching_is_no_counter_example_for_the_learned_rules(tmp_path: Path) -> None:
    """A teaching file with ``rule_context: false`` teaches its sections, and the learned rules do not take its
    sentences as examples of what is no fault (their thresholds stay their own)."""
    from tactful.guardrails.teach import load_teaching, rule_samples, section_samples

    shutil.copytree(ROOT / "guardrails", tmp_path / "guardrails")
    sentence = "The valuation of the property came in lower than the amount you asked to borrow."
    extra = tmp_path / "guardrails" / "teach" / "en.trial.yaml"
    catalog = Catalog(tmp_path)
    pack = catalog.lang("en").pack
    found = {}
    for context in (True, False):
        extra.write_text(f"lang: en\nrule_context: {str(context).lower()}\nsections:\n  bad_news:\n"
                         f"    bad_news: [\"{sentence}\"]\n", encoding="utf-8")
        teaching = load_teaching(tmp_path, "en")
        layouts = section_samples(teaching, pack, catalog)
        assert any(text == sentence for text, _, _ in layouts["bad_news"])  # taught to the sections either way
        found[context] = any(text == sentence for text, _, _ in rule_samples("blame_shifting", teaching, pack, layouts))
    assert found == {True: True, False: False}


LETTERHEAD = """Harlow & Reed Furniture Ltd.
14 Mill Lane
Leeds LS2 7HT

22 May 2026

Mrs Joanna Whitfield
8 Cedar Close
Harrogate HG1 4QP

Dear Mrs Whitfield,

Thank you for choosing Harlow & Reed for your new dining table, and for your patience while we looked into your order.

I am sorry to tell you that the oak we ordered for your table has been delayed at the mill,
so we cannot deliver it on 30 May as planned.

As a small thank-you for waiting, we will add the matching bench at no charge when the table is ready.

Please call me if you have any questions.

Kind regards,

Owen Gallagher
Director, Harlow & Reed Furniture Ltd.
"""


def test_a_letterhead_before_the_greeting_is_no_section() -> None:
    """The sender's letterhead, a date and the recipient's address block come before "Dear ...": no section is
    found in them, and a good letter with them passes."""
    verdict = check(LETTERHEAD, kind="bad_news", lang="en")
    greeting = LETTERHEAD.index("Dear Mrs Whitfield")
    spans = [span for s in verdict.sections if s.present and s.id != "signature" for span in s.parts]
    assert spans and all(a > greeting for a, _ in spans), spans
    assert verdict.passed, [(v.rule, v.message) for v in verdict.errors]
    assert not [v for v in verdict.violations if v.rule == "section_order"]


def test_a_dear_after_sentences_is_not_the_opening() -> None:
    """A greeting is looked for past the first lines only below a letterhead, never below sentences."""
    from tactful.guardrails.doc import Doc
    from tactful.guardrails.sections import locate

    catalog = Catalog(ROOT)
    for before, found in (("This is a note. It goes on.\n" * 6, False), ("Fernwood Print Studio\n12 Mill Lane\n" * 3, True)):
        doc = Doc(text=before + "\nDear Mrs Whitfield,\n\nThank you for your order.\n", catalog=catalog,
                  lang=catalog.lang("en"), kind="bad_news", layout=catalog.kind("bad_news").stage(None), facts=None)
        locate(doc)
        assert (doc.greeting is not None) is found, before


@pytest.mark.parametrize(("lang", "text", "count"), [
    ("en", "I started Crumb & Co. to make celebrations easier. That day we made yours harder.", 2),
    ("ms", "Sila hubungi pejabat kami di No. 12, Jln. Ampang untuk maklumat lanjut. Terima kasih.", 2),
    ("es", "Le atenderá la Sra. Ruiz en la Avda. de la Constitución. Gracias por su paciencia.", 2),
])
def test_an_abbreviation_ends_no_sentence(lang: str, text: str, count: int) -> None:
    from tactful.text import sentences

    assert len(sentences(text, 0, len(text), "latin", Catalog(ROOT).lang(lang).abbreviations)) == count


def test_a_company_with_an_abbreviation_signs_the_letter() -> None:
    """"Owner, Crumb & Co. Bakery" is a signature line: its full stop ends no sentence."""
    letter = WIN_BACK.replace("Fernwood Print Studio", "Crumb & Co. Bakery")
    verdict = check(letter, kind="win_back", lang="en")
    signature = next(s for s in verdict.sections if s.id == "owner_signature")
    assert signature.present and not [v for v in verdict.violations if v.rule == "missing_signature"]


@pytest.mark.parametrize(("lang", "signed", "team"), [
    ("en", "The team at Fernwood Print Studio", True),
    ("en", "The Fernwood Print Studio Team", True),
    ("en", "Dana Ortiz, Director of Customer Service", False),
    ("en", "Dana Ortiz\nOwner, Fernwood Print Studio", False),
    ("es", "El equipo de Imprenta Fernwood", True),
    ("ms", "Pasukan Percetakan Fernwood", True),
    ("th", "ทีมงานร้านพิมพ์เฟิร์นวูด", True),
    ("bn", "ফার্নউড প্রিন্ট স্টুডিও টিম", True),
])
def test_without_facts_a_letter_signed_by_a_team_has_no_named_sender(lang: str, signed: str, team: bool) -> None:
    """With no case file there is no name to look for, but a signature that names a group ("The team at ...",
    "El equipo de ...", "ทีมงาน...") is no named sender: pasted win-back letters signed so passed before."""
    from tactful.guardrails.doc import Doc
    from tactful.guardrails.sections import locate
    from tactful.guardrails.structure import signature

    catalog = Catalog(ROOT)
    body = WIN_BACK.rsplit("Dana Ortiz", 1)[0] + signed + "\n"
    doc = Doc(text=body, catalog=catalog, lang=catalog.lang(lang), kind="win_back",
              layout=catalog.kind("win_back").stage(None), facts=None, layout_key="win_back")
    locate(doc)
    found = signature(doc, "missing_signature", catalog.rules["missing_signature"])
    assert bool(found) is team, (signed, [v.message for v in found])
    if team:
        assert "team or a department" in found[0].message and signed.split("\n")[0] in found[0].message
