"""How well the checker reads letters it did not write: the independent corpus in tests/data/corpus/.

The corpus was written by people (helpers) who saw only GUIDELINES.md and a case file, never the
language packs, the teaching examples or the code; its sentences are never copied into the data
that teaches the checker. Each file is one letter with its labels: whether a careful reviewer
passes it, which rules must fire, which sections are missing, and the section of every paragraph
(see tests/data/corpus/README.md).

Reported, per language and split (``dev`` is what development looks at, ``heldout`` is read only
through this table):

- good-letter pass rate, pasted as plain text and as the structured sections a model returns;
- fault recall: the share of (letter, expected rule) pairs where the rule fired, at any severity
  (an unsure learned rule is a warning), and at the rule's own severity (an error rule as an error);
- per rule: precision and recall over all letters of the split;
- per section: presence precision and recall, and the paragraph-level confusion (``--confusion``);
- speed: median check of each letter, and the catalog load for one language.

Run by hand: ``.venv/bin/python bench/corpus_quality.py [--split dev|heldout|all] [--lang th]
[--show-failures] [--confusion]``. The figures go in the README.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tactful.catalog import load  # noqa: E402
from tactful.guardrails import Verdict, check  # noqa: E402
from tactful.letter import Facts, Letter  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
NOT_SECTIONS = {"greeting", "sign_off", "other"}


@dataclass
class Item:
    path: Path
    lang: str
    split: str
    data: dict[str, Any]

    @property
    def good(self) -> bool:
        return bool(self.data["expect"]["passed"])

    @property
    def rules(self) -> set[str]:
        return set(self.data["expect"].get("rules") or [])


@dataclass
class Tally:
    good_plain: list[bool] = field(default_factory=list)
    good_struct: list[bool] = field(default_factory=list)
    faults: list[bool] = field(default_factory=list)
    faults_blocking: list[bool] = field(default_factory=list)
    good_warnings: list[int] = field(default_factory=list)
    rule_tp_full: Counter[str] = field(default_factory=Counter)
    rule_fp_full: Counter[str] = field(default_factory=Counter)
    fault_letters: list[bool] = field(default_factory=list)
    rule_tp: Counter[str] = field(default_factory=Counter)
    rule_fp: Counter[str] = field(default_factory=Counter)
    rule_fn: Counter[str] = field(default_factory=Counter)
    sec_tp: Counter[str] = field(default_factory=Counter)
    sec_fp: Counter[str] = field(default_factory=Counter)
    sec_fn: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    times_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def corpus(split: str, lang: str | None, numbered_from: int = 0) -> list[Item]:
    """The corpus letters of a split and language; ``numbered_from``: only files numbered that or more
    (``bad_news-21-...``: each batch of new writers numbers its files from a new ten)."""
    items = []
    for path in sorted(CORPUS.glob("*/*/*.yaml")):
        item_lang, item_split = path.parent.parent.name, path.parent.name
        if (lang and item_lang != lang) or (split != "all" and item_split != split):
            continue
        number = re.search(r"-(\d+)-", path.name)
        if numbered_from and (number is None or int(number.group(1)) < numbered_from):
            continue
        items.append(Item(path, item_lang, item_split, yaml.safe_load(path.read_text(encoding="utf-8"))))
    return items


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the blank-line separated blocks of ``text``."""
    out, pos = [], 0
    for block in text.split("\n\n"):
        start = pos + (len(block) - len(block.lstrip()))
        end = pos + len(block.rstrip())
        if end > start:
            out.append((start, end))
        pos += len(block) + 2
    return out


def verdict_severity(rule: str) -> str:
    return load().rules[rule].severity


def fired(verdict: Verdict) -> set[str]:
    return {v.rule for v in verdict.violations}


def expected_sections(item: Item) -> set[str]:
    labels: set[str] = set()
    for label in item.data.get("paragraphs") or []:
        labels.update([label] if isinstance(label, str) else label)
    return labels - NOT_SECTIONS


NEEDS_FACTS = {"ungrounded_detail"}  # without a case file these are skipped, so they are not expected either


def without_facts(item: Item) -> Item:
    """The letter as a user pastes it with no case file: its expected faults less those only facts can show."""
    expect = {**item.data["expect"], "rules": sorted(item.rules - NEEDS_FACTS)}
    if not expect["rules"] and not item.data["expect"]["passed"]:
        expect["passed"] = True  # its only fault needs the facts: without them it is read as a good letter
    return Item(item.path, item.lang, item.split, {**item.data, "facts": None, "expect": expect})


def facts_of(item: Item) -> Facts | None:
    """The letter's case facts (None: checked as pasted with no case file)."""
    return Facts.model_validate(item.data["facts"]) if item.data["facts"] is not None else None


def score(item: Item, tally: Tally, show: bool) -> None:
    """Check one letter (plain, and structured when it has a structured form) and add it to ``tally``."""
    data = item.data
    facts = facts_of(item)
    kind, stage, lang = data["kind"], data.get("stage"), data["lang"]
    text = data["letter"].replace("\r\n", "\n")
    start = time.perf_counter()
    verdict = check(text, kind=kind, lang=lang, stage=stage, facts=facts)
    tally.times_ms.append((time.perf_counter() - start) * 1000)
    name = f"{item.lang}/{item.split}/{item.path.stem}"
    _score_verdict(item, verdict, tally, name if show else None)
    _score_rules(item, verdict, tally, name if show else None)
    _score_sections(item, verdict, text, tally)
    structured = data.get("structured")
    if item.good and structured:
        letter = Letter.model_validate({"greeting": structured.get("greeting", ""),
                                        "sections": structured["sections"],
                                        "sign_off": structured.get("sign_off", "")})
        sverdict = check(letter, kind=kind, lang=lang, stage=stage, facts=facts)
        tally.good_struct.append(sverdict.passed)
        if not sverdict.passed and show:
            tally.failures.append(f"GOOD refused (structured) {name}: " + "; ".join(
                f"{v.rule}: {v.message}" for v in sverdict.errors))


def _score_verdict(item: Item, verdict: Verdict, tally: Tally, name: str | None) -> None:
    got = fired(verdict)
    if item.good:
        tally.good_plain.append(verdict.passed)
        tally.good_warnings.append(sum(1 for v in verdict.violations if v.unsure))
        if not verdict.passed and name:
            tally.failures.append(f"GOOD refused (plain) {name}: " + "; ".join(
                f"{v.rule}: {v.message}" for v in verdict.errors))
        return
    expected = sorted(item.rules)
    caught = [rule in got for rule in expected]
    tally.faults += caught
    # at the rule's own severity (an error rule caught as an error, a warning rule as a warning)
    full = {v.rule for v in verdict.violations if v.severity == verdict_severity(v.rule)}
    tally.faults_blocking += [rule in full for rule in expected]
    tally.fault_letters.append(all(caught) and bool(caught))
    if name and not all(caught):
        missed = [r for r in expected if r not in got]
        tally.failures.append(f"FAULT missed {name}: {missed} ({item.data['expect'].get('notes', '')})")


def _score_rules(item: Item, verdict: Verdict, tally: Tally, name: str | None) -> None:
    got = fired(verdict)
    for rule in {v.rule for v in verdict.violations if not v.unsure}:
        (tally.rule_tp_full if rule in item.rules else tally.rule_fp_full)[rule] += 1
    for rule in item.rules | got:
        if rule in item.rules and rule in got:
            tally.rule_tp[rule] += 1
        elif rule in got:
            tally.rule_fp[rule] += 1
            if name and not item.good:
                tally.failures.append(f"EXTRA {rule} in {name}: " + "; ".join(
                    v.message for v in verdict.violations if v.rule == rule))
        else:
            tally.rule_fn[rule] += 1


def _score_sections(item: Item, verdict: Verdict, text: str, tally: Tally) -> None:
    """Section presence against the labels, and the paragraph-level confusion."""
    present = {s.id for s in verdict.sections if s.present}
    layout_ids = {s.id for s in verdict.sections}
    want = (expected_sections(item) & layout_ids) - set(item.data["expect"].get("missing") or [])
    for sid in layout_ids:
        if sid in want and sid in present:
            tally.sec_tp[sid] += 1
        elif sid in present:
            tally.sec_fp[sid] += 1
        elif sid in want:
            tally.sec_fn[sid] += 1
    labels = item.data.get("paragraphs") or []
    spans = paragraphs(text)
    if len(labels) != len(spans):
        return
    for label, (p0, p1) in zip(labels, spans, strict=True):
        if not isinstance(label, str) or label in NOT_SECTIONS:
            continue
        overlaps = [(min(p1, s1) - max(p0, s0), hit.id) for hit in verdict.sections for s0, s1 in hit.parts]
        best = max(overlaps, default=(0, "none"))
        tally.confusion[(label, best[1] if best[0] > 0 else "none")] += 1


def pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.0f}% ({sum(values)}/{len(values)})" if values else "-"


def ratio(tp: int, other: int) -> str:
    return f"{100 * tp / (tp + other):.0f}%" if tp + other else "-"


def print_tables(by_lang: dict[str, Tally], total: Tally) -> None:
    print("| lang | letters | good pass (plain) | good pass (structured) | fault recall | fault recall at full severity |"
          " faulty letters caught | median check ms |")
    print("|---|---|---|---|---|---|---|---|")
    for lang in [*sorted(by_lang), "all"]:
        t = total if lang == "all" else by_lang[lang]
        print(f"| {lang} | {len(t.times_ms)} | {pct(t.good_plain)} | {pct(t.good_struct)} | {pct(t.faults)} | "
              f"{pct(t.faults_blocking)} | {pct(t.fault_letters)} | {statistics.median(t.times_ms):.1f} |")
    warn = total.good_warnings
    print(f"\nunsure warnings (\"this may ...\", \"could not confirm\") on good letters: {sum(warn)} on {len(warn)} letters; "
          f"{sum(1 for w in warn if w)} letters have at least one")
    print("\nLetter-level, per rule. Any severity counts unsure warnings; confirmed counts only what the checker asserts.\n")
    print("| rule | precision (any) | recall (any) | precision (confirmed) | recall (confirmed) | expected |")
    print("|---|---|---|---|---|---|")
    for rule in sorted(set(total.rule_tp) | set(total.rule_fp) | set(total.rule_fn)):
        tp, fp, fn = total.rule_tp[rule], total.rule_fp[rule], total.rule_fn[rule]
        tpf, fpf = total.rule_tp_full[rule], total.rule_fp_full[rule]
        print(f"| {rule} | {ratio(tp, fp)} | {ratio(tp, fn)} | {ratio(tpf, fpf)} | {ratio(tpf, tp + fn - tpf)} | {tp + fn} |")
    print("\nper rule and language (recall TP/expected, false alarms):")
    for lang in sorted(by_lang):
        t = by_lang[lang]
        rules = sorted(set(t.rule_tp) | set(t.rule_fp) | set(t.rule_fn))
        print(f"  {lang}: " + ", ".join(
            f"{r} {t.rule_tp[r]}/{t.rule_tp[r] + t.rule_fn[r]} fp {t.rule_fp[r]}" for r in rules))
    print("\n| section | presence precision | presence recall | TP | FP | FN |\n|---|---|---|---|---|---|")
    for sid in sorted(set(total.sec_tp) | set(total.sec_fp) | set(total.sec_fn)):
        tp, fp, fn = total.sec_tp[sid], total.sec_fp[sid], total.sec_fn[sid]
        print(f"| {sid} | {ratio(tp, fp)} | {ratio(tp, fn)} | {tp} | {fp} | {fn} |")


def print_confusion(total: Tally) -> None:
    print("\nparagraph confusion (label -> found: count), mismatches only:")
    for (label, got), n in sorted(total.confusion.items(), key=lambda kv: -kv[1]):
        if label != got:
            print(f"  {label} -> {got}: {n}")
    agree = sum(n for (a, b), n in total.confusion.items() if a == b)
    print(f"  paragraphs in the section their label says: {agree}/{sum(total.confusion.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--split", default="dev", choices=["dev", "heldout", "all"])
    parser.add_argument("--lang")
    parser.add_argument("--no-facts", action="store_true",
                        help="check each letter as pasted with no case file (faults only facts show are not expected)")
    parser.add_argument("--numbered-from", type=int, default=0, metavar="N",
                        help="only letters numbered N or more (one batch of writers: 11 and 21 are the heldout's later ones)")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--confusion", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    catalog = load()
    load_s = time.perf_counter() - start
    items = corpus(args.split, args.lang, args.numbered_from)
    if args.no_facts:
        items = [without_facts(item) for item in items]
    if not items:
        raise SystemExit(f"no corpus letters for split {args.split!r} under {CORPUS}")
    for item in items[:3]:  # warm-up: detector models, Thai dictionary
        check(item.data["letter"], kind=item.data["kind"], lang=item.lang, stage=item.data.get("stage"),
              facts=facts_of(item), catalog=catalog)
    by_lang: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    for item in items:
        score(item, by_lang[item.lang], show=False)
        score(item, total, show=args.show_failures)
    batch = (f" numbered from {args.numbered_from}" if args.numbered_from else "") + (", no facts" if args.no_facts else "")
    print(f"split: {args.split}{batch}; {len(items)} letters; catalog load {load_s:.2f} s (all languages)\n")
    print_tables(by_lang, total)
    if args.confusion:
        print_confusion(total)
    if total.failures:
        print("\n" + "\n".join(total.failures))


if __name__ == "__main__":
    main()
