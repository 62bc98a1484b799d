"""Checker speed per language: median time to check one letter, all rules on, with facts.

Run by hand (``make bench``); the figures go in the README. The meaning model's sentence cache is
emptied before every check, so each one pays for its sentences as a new letter does. Letters are the passing
letters under tests/data/letters/<lang>/ padded to about 300 words with body paragraphs of the language's
other letters (never a paragraph twice, so no sentence is scored from the cache), so every language is
measured at the size the target speaks of.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

from tactful.catalog import load
from tactful.guardrails import check
from tactful.guardrails.meaning import model_of
from tactful.letter import Facts
from tactful.text import word_count

ROOT = Path(__file__).resolve().parent.parent
TARGET_WORDS = 300
ROUNDS = 200


def padded(letter: str, tokenizer: str, others: list[str]) -> str:
    """The letter with body paragraphs of ``others`` added until it has about TARGET_WORDS words."""
    paras = letter.strip().split("\n\n")
    head, body, tail = paras[:1], paras[1:-2] or paras[1:2], paras[-2:]
    spare = [p for other in others for p in other.strip().split("\n\n")[1:-2] if p not in body]
    out = list(body)
    while spare and word_count("\n\n".join(head + out + tail), tokenizer) < TARGET_WORDS:  # type: ignore[arg-type]
        out.append(spare.pop(0))
    return "\n\n".join(head + out + tail)


LOAD_ONE = """
import time
start = time.perf_counter()
from tactful.catalog import Catalog
from tactful.guardrails.meaning import model_of
imported = time.perf_counter()
catalog = Catalog()
lang = catalog.lang({lang!r})
model_of(lang)
print(imported - start, time.perf_counter() - imported)
"""


def load_one(lang: str) -> tuple[float, float]:
    """(import, load) seconds for a fresh process: import the package; load the catalog and one language."""
    import subprocess
    import sys

    runs = [tuple(map(float, subprocess.run([sys.executable, "-c", LOAD_ONE.format(lang=lang)], check=True,
                                            capture_output=True, text=True, cwd=ROOT).stdout.split()))
            for _ in range(5)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    catalog = load()
    print("catalog load for one language, fresh process, median of 5 (Python imports + catalog, pack and model):")
    for lang in sorted(catalog.langs):
        imported, loaded = load_one(lang)
        print(f"  {lang}: {imported:.2f} s + {loaded:.2f} s")
    # this machine's speed moves by a third from minute to minute: a fixed loop, timed alongside, says how fast it was
    import timeit

    loop = min(timeit.repeat("sum(range(10**6))", number=20, repeat=3)) / 20 * 1000
    print(f"machine speed: a fixed Python loop (sum(range(10**6))) takes {loop:.1f} ms")
    print(f"{'lang':<5}{'letters':>8}{'words':>7}{'median ms':>11}{'p95 ms':>8}{'letters/s':>11}")
    for lang in sorted(catalog.langs):
        files = sorted((ROOT / "tests" / "data" / "letters" / lang).glob("*.yaml"))
        cases = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in files]
        cases = [c for c in cases if c.get("expect_passed") and c.get("facts")]
        if not cases:
            continue
        tk = catalog.lang(lang).tokenizer
        letters = [c["letter"] for c in cases]
        jobs = [(padded(c["letter"], tk, letters[i + 1 :] + letters[:i]), c, Facts.model_validate(c["facts"]))
                for i, c in enumerate(cases)]
        for text, c, facts in jobs:  # warm up (detector models, Thai dictionary)
            check(text, kind=c["kind"], lang=lang, stage=c.get("stage"), facts=facts, catalog=catalog)
        times = []
        model = model_of(catalog.lang(lang))
        for _ in range(ROUNDS // len(jobs) + 1):
            for text, c, facts in jobs:
                if model is not None:  # every check pays for its sentences, as a new letter does
                    model._cache.clear()
                t = time.perf_counter()
                check(text, kind=c["kind"], lang=lang, stage=c.get("stage"), facts=facts, catalog=catalog)
                times.append((time.perf_counter() - t) * 1000)
        words = statistics.mean(word_count(j[0], tk) for j in jobs)
        med = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{lang:<5}{len(jobs):>8}{words:>7.0f}{med:>11.2f}{p95:>8.2f}{1000 / med:>11.0f}")


if __name__ == "__main__":
    main()
