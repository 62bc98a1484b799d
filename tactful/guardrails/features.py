"""Sentence features for the meaning model: the same function at build time and at check time.

A sentence becomes a set of strings (plus a few constant ones, ``PRIOR``): character n-grams of each word padded with spaces (2 to 5
characters; they carry Bengali case endings, Malay affixes and Spanish inflections without a
stemmer), word unigrams and bigrams, and for Thai (no spaces between words) character 1- to
4-grams over the whole clause. Digits fold to ``0`` so "12 days" and "30 days" look alike, and the
case facts' own words never matter: the model learns what a sentence does, not what it is about.
"""

from __future__ import annotations

import re

from ..text import WORD_CLASS, Tokenizer, nfc, normalise

_WORDS = re.compile(rf"[{WORD_CLASS}]+(?:['’][{WORD_CLASS}]+)?")
_DIGITS = re.compile(r"\d+")
_THAI = re.compile(r"[\u0E00-\u0E7F]+")
MAX_CHARS = 600  # a sentence longer than this is judged on its first MAX_CHARS characters
# Every sentence carries these constant features. After L2 normalisation they dilute a short
# sentence's few real features, so "The fault was mine." is not judged on "fault" alone.
PRIOR = tuple(f"~{i}" for i in range(12))


def clean(text: str) -> str:
    """Case-folded, NFC, digits folded to one ``0``, spaces collapsed."""
    text = _DIGITS.sub("0", normalise(nfc(text[:MAX_CHARS])).casefold())
    return " ".join(text.split())


def features(text: str, tokenizer: Tokenizer) -> set[str]:
    """The feature strings of one sentence."""
    text = clean(text)
    out: set[str] = set(PRIOR)
    words = _WORDS.findall(text)
    for i, word in enumerate(words):
        out.add("w:" + word)
        if i:
            out.add("b:" + words[i - 1] + "_" + word)
        if tokenizer == "thai" and _THAI.fullmatch(word):
            continue
        padded = f" {word} "
        for n in (3, 4, 5):
            for j in range(len(padded) - n + 1):
                out.add(padded[j : j + n])
    if tokenizer == "thai":
        for run in _THAI.findall(text):
            padded = f" {run} "
            for n in (2, 3, 4):
                for j in range(len(padded) - n + 1):
                    out.add(padded[j : j + n])
    return out
