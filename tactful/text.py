"""Script-aware text handling: normalisation, phrase patterns, sentences and word counts.

Three tokenizers, a closed set named by each language pack:

- ``latin``   words are runs of letters/digits; phrases match on word boundaries.
- ``bengali`` like latin, but vowel signs and the virama (Unicode Mc/Mn, which Python's
              ``\\w`` does not cover) are word characters, ``।`` ends a sentence, and a
              phrase only needs a boundary on its left: Bengali adds case endings to words.
- ``thai``    no spaces between words: phrases match anywhere, a space ends a clause, and
              words are counted with PyThaiNLP's dictionary segmenter (newmm).

``normalise`` keeps the text's length, so every span found in the normalised text is a
span of the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

Tokenizer = Literal["latin", "bengali", "thai"]

WORD_CLASS = r"\w\u0980-\u09FF\u0E00-\u0E7F"
_FOLD = str.maketrans(
    {
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2013": "-", "\u2014": "-", "\u2011": "-",
        **{chr(0x0E50 + i): str(i) for i in range(10)},  # Thai digits
        **{chr(0x09E6 + i): str(i) for i in range(10)},  # Bengali digits
    }
)


def normalise(text: str) -> str:
    """Same-length view for matching: straight quotes, plain spaces and dashes, ASCII digits."""
    return text.translate(_FOLD)


def nfc(text: str) -> str:
    """Unicode NFC form (Thai and Bengali text pasted from different sources differs otherwise)."""
    return unicodedata.normalize("NFC", text)


def phrase_pattern(phrase: str, tokenizer: Tokenizer) -> str:
    """A regex for a cue or rule phrase: flexible spaces, boundaries as the script wants.

    A trailing ``*`` allows any word ending ("apologi*" matches apologise, apologies).
    """
    phrase = normalise(nfc(phrase.strip()))
    prefix = phrase.endswith("*")
    phrase = phrase.rstrip("*")
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    if tokenizer == "thai":
        return body
    left = rf"(?<![{WORD_CLASS}])" if re.match(rf"[{WORD_CLASS}]", phrase) else ""
    right = ""
    if tokenizer == "latin" and not prefix and re.search(rf"[{WORD_CLASS}]$", phrase):
        right = rf"(?![{WORD_CLASS}])"
    if prefix:
        body += rf"[{WORD_CLASS}]*"
    return left + body + right


def alternation(patterns: list[str]) -> re.Pattern[str] | None:
    """One compiled case-insensitive pattern for a list of alternatives (None when empty)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


_SENTENCE_END = {
    "latin": re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n"),
    "bengali": re.compile(r"(?<=[।?!.])\s+|\n"),
    "thai": re.compile(r"\s+"),
}


def sentences(text: str, start: int, end: int, tokenizer: Tokenizer) -> list[tuple[int, int]]:
    """Spans of the sentences (Thai: space-separated clauses) within text[start:end]."""
    out: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END[tokenizer].finditer(text, start, end):
        if match.start() > pos and text[pos : match.start()].strip():
            out.append((pos, match.start()))
        pos = match.end()
    if pos < end and text[pos:end].strip():
        out.append((pos, end))
    return out


_WORD = re.compile(rf"[{WORD_CLASS}]+(?:['-][{WORD_CLASS}]+)*")
_THAI_RUN = re.compile(r"[\u0E00-\u0E7F]+")


@lru_cache(maxsize=2048)
def _thai_words(run: str) -> int:
    from pythainlp.tokenize import word_tokenize  # heavy import, only for Thai

    return sum(1 for token in word_tokenize(run, engine="newmm", keep_whitespace=False) if token.strip())


def word_count(text: str, tokenizer: Tokenizer) -> int:
    """Number of words, with Thai runs segmented by dictionary."""
    if tokenizer != "thai":
        return len(_WORD.findall(text))
    count = 0
    for token in _WORD.findall(text):
        count += _thai_words(token) if _THAI_RUN.fullmatch(token) else 1
    return count


def is_letter(ch: str) -> bool:
    """True for letters in any script, including combining vowel signs."""
    return unicodedata.category(ch)[0] in "LM"
