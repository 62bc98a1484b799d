"""Sentence features for the meaning model: the same function at build time and at check time.

A sentence becomes a set of strings (plus a few constant ones, ``PRIOR``): character n-grams of
each word padded with spaces (3 to 5 characters; they carry Bengali case endings, Malay affixes
and Spanish inflections without a stemmer), word unigrams and bigrams, and for Thai (no spaces
between words) character 2- to 4-grams over each run of Thai letters. Digits fold to ``0`` so
"12 days" and "30 days" look alike, and the case facts' own words never matter: the model learns
what a sentence does, not what it is about.

The features of a word depend on the word alone, so they are computed once per word
(``token_features``) and a sentence's features are the union of its words' plus its bigrams.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from ..text import WORD_CLASS, Tokenizer, nfc, normalise

_WORDS = re.compile(rf"[{WORD_CLASS}]+(?:['’][{WORD_CLASS}]+)?")
_DIGITS = re.compile(r"\d+")
_THAI = re.compile(r"[\u0E00-\u0E7F]+")
MAX_CHARS = 600  # a sentence longer than this is judged on its first MAX_CHARS characters
# Every sentence carries these constant features. After L2 normalisation they dilute a short
# sentence's few real features, so it is not judged on one word alone.
PRIOR = frozenset(f"~{i}" for i in range(12))


def clean(text: str) -> str:
    """Case-folded, NFC, digits folded to one ``0``, spaces collapsed."""
    text = _DIGITS.sub("0", normalise(nfc(text[:MAX_CHARS])).casefold())
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """The words of a cleaned sentence (a Thai run counts as one token)."""
    return _WORDS.findall(text)


@lru_cache(maxsize=65536)
def token_features(token: str, tokenizer: Tokenizer) -> frozenset[str]:
    """The features one word contributes: itself and its character n-grams."""
    out = {"w:" + token}
    if tokenizer == "thai" and _THAI.fullmatch(token):
        for run in _THAI.findall(token):
            padded = f" {run} "
            for n in (2, 3, 4):
                out.update(padded[j : j + n] for j in range(len(padded) - n + 1))
        return frozenset(out)
    padded = f" {token} "
    for n in (3, 4, 5):
        out.update(padded[j : j + n] for j in range(len(padded) - n + 1))
    if tokenizer == "thai":  # a mixed token ("SMSแจ้ง"): its Thai runs as well
        for run in _THAI.findall(token):
            padded = f" {run} "
            for n in (2, 3, 4):
                out.update(padded[j : j + n] for j in range(len(padded) - n + 1))
    return frozenset(out)


def bigrams(words: list[str]) -> list[str]:
    return ["b:" + a + "_" + b for a, b in pairwise(words)]


def features(text: str, tokenizer: Tokenizer) -> set[str]:
    """The feature strings of one sentence."""
    words = tokens(clean(text))
    out: set[str] = set(PRIOR)
    for word in words:
        out |= token_features(word, tokenizer)
    out.update(bigrams(words))
    return out
