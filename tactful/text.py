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
import re._constants as _c  # the parsed form of a pattern, to index a regex by how it starts
import re._parser as _re_parser
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache
from itertools import islice
from typing import Any, Literal

from . import parsecache
from .paths import scripts

Tokenizer = Literal["latin", "bengali", "thai"]

# The scripts the packs write (guardrails/scripts.yaml): their blocks are word characters, vowel signs
# included, which Python's \w does not cover; ZWNJ/ZWJ sit inside Bengali and other Indic words.
SCRIPT_RANGES = "".join(f"\\u{a:04X}-\\u{b:04X}" if b > a else f"\\u{a:04X}"
                        for ranges in scripts().values() for a, b in ranges)
WORD_CLASS = rf"\w{SCRIPT_RANGES}\u200c\u200d"
_FOLD = str.maketrans(
    {
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2013": "-", "\u2014": "-", "\u2011": "-",
        # each script's own digits are the digits 0-9 (Thai ๑๒, Bengali ১২)
        **{chr(c): str(unicodedata.decimal(chr(c))) for ranges in scripts().values() for a, b in ranges
           for c in range(a, b + 1) if unicodedata.decimal(chr(c), None) is not None},
    }
)


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD) + "]")
_FOLDED = {chr(c): str(to) for c, to in _FOLD.items()}


def normalise(text: str) -> str:
    """Same-length view for matching: straight quotes, plain spaces and dashes, ASCII digits.

    ``text.translate(_FOLD)``, found with one regex: ``str.translate`` looks every character of a
    non-ASCII text up in the table, ten times slower than finding the few that change.
    """
    return _FOLDABLE.sub(lambda m: _FOLDED[m.group()], text)


def nfc(text: str) -> str:
    """Unicode NFC form (Thai and Bengali text pasted from different sources differs otherwise)."""
    return unicodedata.normalize("NFC", text)


def phrase_pattern(phrase: str, tokenizer: Tokenizer) -> str:
    """A regex for a cue or rule phrase: flexible spaces, boundaries as the script wants.

    A trailing ``*`` allows any word ending ("apologi*" matches apologise, apologies).
    """
    phrase = normalise(nfc(phrase.strip()))
    body, tail = _scan_pattern(phrase, tokenizer)
    if tokenizer == "thai":
        return body
    left = rf"(?<![{WORD_CLASS}])" if _WORD_CHAR.match(phrase) else ""
    return left + body + (rf"[{WORD_CLASS}]*" if tail == ANY_ENDING else "") + \
        (rf"(?![{WORD_CLASS}])" if tail == WORD_END else "")


def line_pattern(phrases: list[str], tokenizer: Tokenizer, rest: str = "") -> re.Pattern[str] | None:
    """Lines that open with one of ``phrases``, then ``rest`` (a sign-off: ``\\s*[,.!]?\\s*$``), ignoring case.

    What ``phrase_pattern`` matches, but with the phrases grouped by what must follow them and one
    look-ahead per group, and no look-behind (a line's start or white space is never a word character):
    a pack's greetings and sign-offs compile in a fraction of the time one look-around each takes.
    """
    groups: dict[int, list[str]] = {}
    for phrase in phrases:
        body, tail = _scan_pattern(normalise(nfc(phrase.strip())), tokenizer)
        groups.setdefault(tail, []).append(body)
    after = {NO_TAIL: "", WORD_END: rf"(?![{WORD_CLASS}])", ANY_ENDING: rf"[{WORD_CLASS}]*"}
    parts = [f"(?:{'|'.join(bodies)}){after[tail]}" for tail, bodies in groups.items()]
    return re.compile(rf"^\s*(?:{'|'.join(parts)}){rest}", re.IGNORECASE | re.MULTILINE) if parts else None


def alternation(patterns: list[str]) -> re.Pattern[str] | None:
    """One compiled case-insensitive pattern for a list of alternatives (None when empty)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


_SENTENCE_END = {
    "latin": re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n"),
    "bengali": re.compile(r"(?<=[।৷?!.])\s+|\n"),
    "thai": re.compile(r"\s+"),
}


def _abbreviated(text: str, start: int, stop: int, abbreviations: frozenset[str]) -> bool:
    """True when text[start:stop] ends with one of ``abbreviations`` (a whole word: "Co.", not "Tesco.")."""
    if stop <= start or text[stop - 1] != ".":
        return False
    word = _LAST_WORD.search(text, max(start, stop - ABBREVIATION_CHARS), stop)
    return word is not None and word.group().casefold() in abbreviations


ABBREVIATION_CHARS = 12  # the longest abbreviation looked for, its full stops included
_LAST_WORD = re.compile(r"(?<![^\s(\"'])[^\s(\"']+$")


THAI_MIN_CLAUSE = 40  # Thai clauses shorter than this join the next one: a few words say little on their own


def sentences(text: str, start: int, end: int, tokenizer: Tokenizer,
              abbreviations: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Spans of the sentences (Thai: space-separated clauses, short ones joined) within text[start:end].

    A full stop after one of ``abbreviations`` (the pack's ``Co.``, ``Sdn.``, ``Sra.``, lower-cased) ends
    no sentence.
    """
    out: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END[tokenizer].finditer(text, start, end):
        if abbreviations and "\n" not in match.group() and _abbreviated(text, pos, match.start(), abbreviations):
            continue
        if match.start() > pos and text[pos : match.start()].strip():
            out.append((pos, match.start()))
        pos = match.end()
    if pos < end and text[pos:end].strip():
        out.append((pos, end))
    if tokenizer != "thai" or len(out) < 2:
        return out
    joined: list[tuple[int, int]] = []
    for span in out:
        if joined and joined[-1][1] - joined[-1][0] < THAI_MIN_CLAUSE and "\n" not in text[joined[-1][1] : span[0]]:
            joined[-1] = (joined[-1][0], span[1])
        else:
            joined.append(span)
    return joined


_WORD = re.compile(rf"[{WORD_CLASS}]+(?:['-][{WORD_CLASS}]+)*")
_THAI_RUN = re.compile(r"[\u0E00-\u0E7F]+")


def _thai_words(run: str) -> int:
    return sum(1 for token in _thai_tokens(run) if token.strip())


def has_words(text: str, tokenizer: Tokenizer, n: int) -> bool:
    """True when ``text`` has at least ``n`` words (stops counting there)."""
    if n <= 0:
        return True
    if tokenizer != "thai":
        return next(islice(_WORD.finditer(text), n - 1, None), None) is not None
    count = 0
    for token in _WORD.finditer(text):  # Thai runs segmented one at a time, until there are n words
        count += _thai_words(token.group()) if _THAI_RUN.fullmatch(token.group()) else 1
        if count >= n:
            return True
    return False


def word_count(text: str, tokenizer: Tokenizer) -> int:
    """Number of words, with Thai runs segmented by dictionary."""
    if tokenizer != "thai":
        return len(_WORD.findall(text))
    count = 0
    for token in _WORD.findall(text):
        count += _thai_words(token) if _THAI_RUN.fullmatch(token) else 1
    return count


_SPACE = re.compile(r"\s")
_SCAN_START = re.compile(rf"[{WORD_CLASS}]+|[^\s{WORD_CLASS}]")


def _key(text: str, i: int) -> str:
    """Two characters from ``i``, lower-cased, any whitespace as one space (the index key)."""
    a = text[i : i + 1].lower()
    b = text[i + 1 : i + 2]
    return a + (" " if b.isspace() else b.lower())


class LazyPattern:
    """A regex compiled the first time it is tried: a letter meets a few hundred of a language's
    thousands of phrases, so a one-letter check no longer compiles them all (0.25 s) at load."""

    __slots__ = ("compiled", "flags", "source")

    def __init__(self, source: str, flags: int) -> None:
        self.source, self.flags = source, flags
        self.compiled: re.Pattern[str] | None = None

    def compile(self) -> re.Pattern[str]:
        """The compiled pattern (compiled once)."""
        self.compiled = re.compile(self.source, self.flags)
        return self.compiled


class PhraseIndex:
    """All literal phrases of a language (rule patterns and section cues) matched in one pass.

    Python's ``re`` tries every alternative of a large alternation at every position, which
    made a 300-word letter cost milliseconds per rule. Here each phrase is compiled on its own
    and filed under what it starts with: its first two words (Latin script; "we are"), its first
    word, or its first four characters (Thai, Bengali, a word with any ending: "apologi*"), else its
    first two characters. One pass over the text's word starts (every character for Thai) looks
    candidates up in dicts and tries only those.
    """

    def __init__(self, entries: list[tuple[str, str]], tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.by_key: dict[str, list[Candidate]] = {}
        self.by_word: dict[str, list[Candidate]] = {}
        self.by_pair: dict[tuple[str, str], list[Candidate]] = {}  # phrases of two whole tokens or more
        self.by_head: dict[str, list[Candidate]] = {}  # Thai and Bengali: by the first HEAD characters
        self.by_long_head: dict[str, list[Candidate]] = {}  # ... or LONG_HEAD, when they are that long
        for phrase, owner in entries:
            norm = " ".join(normalise(nfc(phrase)).split())
            if not norm.rstrip("*"):
                continue
            body, tail = _scan_pattern(norm.lower(), tokenizer)
            candidate = (LazyPattern(body, 0), owner, True, tail)
            self._file(norm, candidate)

    def _file(self, norm: str, candidate: Candidate) -> None:
        """File a phrase (normalised, non-empty) under what it starts with, as selectively as its script allows."""
        first = _SCAN_START.match(norm)
        if first is None:  # cannot happen (a stripped, non-empty phrase starts with a word or a sign)
            self.by_key.setdefault(_key(norm.rstrip("*"), 0), []).append(candidate)
            return
        word, after = first.group().lower(), norm[first.end() : first.end() + 1]
        second = _SCAN_START.search(norm, first.end()) if after not in ("", "*") else None
        head = norm.rstrip("*").lower()
        if self.tokenizer == "latin" and second is not None and norm[second.end() : second.end() + 1] != "*":
            self.by_pair.setdefault((word, second.group().lower()), []).append(candidate)
        elif self.tokenizer == "bengali" and second is not None and after == " ":
            # words take case endings: the first word is whole, the second may go on
            self.by_pair.setdefault((word, second.group().lower()[:2]), []).append(candidate)
        elif self.tokenizer == "latin" and after != "*":
            self.by_word.setdefault(word, []).append(candidate)
        elif len(head) >= LONG_HEAD and " " not in head[:LONG_HEAD]:
            self.by_long_head.setdefault(head[:LONG_HEAD], []).append(candidate)
        elif len(head) >= HEAD and " " not in head[:HEAD]:
            self.by_head.setdefault(head[:HEAD], []).append(candidate)
        else:
            self.by_key.setdefault(_key(norm.rstrip("*"), 0), []).append(candidate)

    def add_regex(self, pattern: str, owner: str, flags: int) -> bool:
        """Index a regex that starts on a word boundary (``\\b``, after any look-behinds) with a known set of
        first two characters (``\\bsorry``, ``(?<!no )\\b(?:fue|es) culpa``); False if it cannot be."""
        keys = regex_keys(pattern, flags)
        if keys is None or (self.tokenizer != "latin" and not all(k.isascii() for k in keys)):
            return False  # Bengali: \b also falls inside words (at vowel signs); a Latin-script pattern's does not
        if self.tokenizer == "thai" and not _ASCII_ONLY.fullmatch(pattern):
            return False  # Thai: a match must end on a word edge, which a match of ASCII text alone always does
        lazy = LazyPattern(pattern, flags)
        for key in keys:
            self.by_key.setdefault(key, []).append((lazy, owner, False, NO_TAIL))
        return True

    def scan(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """owner -> non-overlapping spans of its phrases (leftmost, then longest)."""
        found: dict[str, list[tuple[int, int]]] = {}
        low = _SPACE.sub(" ", text.lower())
        if len(low) != len(text):  # a rare character whose lower case is longer: no fast keys
            low = "".join(ch.lower()[:1] or ch for ch in _SPACE.sub(" ", text))
        edges = ThaiEdges(text) if self.tokenizer == "thai" else None
        word_char, size = _WORD_CHAR.match, len(low)
        for i, candidates in self._candidates(low):
            if edges is not None and i not in edges:
                continue
            for lazy, owner, lowered, tail in candidates:
                m = (lazy.compiled or lazy.compile()).match(low if lowered else text, i)
                if m is None or (end := m.end()) <= i:
                    continue
                if tail == WORD_END and end < size and word_char(low, end):
                    continue  # the phrase ends inside a longer word
                if tail == ANY_ENDING:
                    end = _word_end(low, end)  # "apologi*": apologise, apologies
                if edges is None or end in edges:
                    found.setdefault(owner, []).append((i, end))
        return {owner: _leftmost_longest(spans) for owner, spans in found.items()}

    def _candidates(self, low: str) -> Iterator[tuple[int, list[Candidate]]]:
        """(position, phrases that may start there) for every position where one may (``low``: lower-cased)."""
        if self.tokenizer == "thai":
            yield from self._thai_candidates(low)
            return
        by_key, by_head, by_long = self.by_key, self.by_head, self.by_long_head
        by_word, by_pair = self.by_word, self.by_pair
        starts = [(m.start(), m.group()) for m in _SCAN_START.finditer(low)]
        pair_len = None if self.tokenizer == "latin" else 2  # Bengali: the second word's first two characters
        for k, (i, word) in enumerate(starts):
            candidates = by_key.get(low[i : i + 2], [])
            if word in by_word:
                candidates = candidates + by_word[word]
            if by_pair and k + 1 < len(starts) and (pair := (word, starts[k + 1][1][:pair_len])) in by_pair:
                candidates = candidates + by_pair[pair]
            if by_head and (head := low[i : i + HEAD]) in by_head:
                candidates = candidates + by_head[head]
            if by_long and (head := low[i : i + LONG_HEAD]) in by_long:
                candidates = candidates + by_long[head]
            if candidates:
                yield i, candidates

    def _thai_candidates(self, low: str) -> Iterator[tuple[int, list[Candidate]]]:
        """Thai: any character may start a word, so look wherever a phrase's first two characters are."""
        by_key, by_head, by_long, firsts = self.by_key, self.by_head, self.by_long_head, self._firsts
        for i in range(len(low)):
            if (two := low[i : i + 2]) not in firsts:
                continue
            candidates = by_key.get(two, []) + by_head.get(low[i : i + HEAD], []) + by_long.get(low[i : i + LONG_HEAD], [])
            if candidates:
                yield i, candidates

    @cached_property
    def _firsts(self) -> frozenset[str]:
        """The first two characters of every phrase filed by its characters (Thai)."""
        return frozenset(self.by_key) | {head[:2] for heads in (self.by_head, self.by_long_head) for head in heads}


HEAD, LONG_HEAD = 4, 6  # a phrase may be filed under its first four or six characters
NO_TAIL, WORD_END, ANY_ENDING = 0, 1, 2  # what must follow a phrase: anything, a word boundary, any word ending
Candidate = tuple[LazyPattern, str, bool, int]  # pattern, owner, matched on the lower-cased text, tail
_WORD_CHAR = re.compile(rf"[{WORD_CLASS}]")
_WORD_TAIL = re.compile(rf"[{WORD_CLASS}]*")


def _word_end(text: str, pos: int) -> int:
    """Where the word that goes on at ``pos`` ends."""
    m = _WORD_TAIL.match(text, pos)
    return m.end() if m else pos


MAX_KEYS = 64  # a regex that may start in more ways than this runs on its own
# a pattern that can match ASCII text only: ASCII literals, groups and counts, white space and word boundaries;
# no character class or "any" character (\w \d . [...]), which could reach into Thai text
_ASCII_ONLY = re.compile(r"(?:[\x20-\x2d\x2f-\x5a\x5e-\x7e]|\\[sbB.()\[\]{}?*+|^$\\-])*")


def regex_keys(pattern: str, flags: int) -> frozenset[str] | None:
    """The first two characters (lower-cased, white space as one space) of every match of ``pattern``, when
    it starts on a word boundary with a word character; None when that cannot be told or there are too many.

    Read from the parsed pattern (``re._parser``: the standard library's own, so it parses exactly as
    ``re`` will). Look-behinds and other zero-width items are skipped: they only restrict where a match is.
    """
    try:
        items = list(_re_parser.parse(pattern, flags))
    except (re.error, RecursionError):
        return None
    while items and items[0][0] in (_c.ASSERT, _c.ASSERT_NOT):
        items = items[1:]
    if not items or items[0] != (_c.AT, _c.AT_BOUNDARY):
        return None
    keys = _prefixes(items[1:], 2, 0)
    if keys is None or not keys or not all(_WORD_CHAR.match(k) for k in keys):
        return None
    return frozenset(keys)


def _prefixes(items: list[tuple[Any, Any]], k: int, depth: int) -> set[str] | None:
    """Every string of ``k`` characters a match of ``items`` may start with (None: unknown, or too many)."""
    if k == 0:
        return {""}
    if not items or depth > 12:
        return None  # a match may end before k characters
    (op, av), rest = items[0], items[1:]
    out: set[str] | None
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _prefixes(rest, k, depth + 1)
    if op is _c.LITERAL or op is _c.IN:
        chars = {chr(av).lower()} if op is _c.LITERAL else _charset(av)
        tails = _prefixes(rest, k - 1, depth + 1) if chars else None
        if chars is None or tails is None:
            return None
        out = {c + t for c in chars for t in tails}
    elif op is _c.SUBPATTERN:
        out = _prefixes([*av[3], *rest], k, depth + 1)
    elif op is _c.BRANCH:
        out = _branch_prefixes(av[1], rest, k, depth)
    elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        out = _repeat_prefixes(op, av, rest, k, depth)
    else:
        return None
    return out if out is not None and len(out) <= MAX_KEYS else None


def _branch_prefixes(alternatives: list[list[tuple[Any, Any]]], rest: list[tuple[Any, Any]], k: int,
                     depth: int) -> set[str] | None:
    out: set[str] = set()
    for alt in alternatives:
        found = _prefixes([*alt, *rest], k, depth + 1)
        if found is None:
            return None
        out |= found
    return out


def _repeat_prefixes(op: Any, av: Any, rest: list[tuple[Any, Any]], k: int, depth: int) -> set[str] | None:
    low, high, body = av
    more = [] if high == 1 else [(op, (max(low - 1, 0), high if high is _c.MAXREPEAT else high - 1, body))]
    once = _prefixes([*body, *more, *rest], k, depth + 1)
    none = _prefixes(rest, k, depth + 1) if low == 0 else set()
    return None if once is None or none is None else once | none


def _charset(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The characters of a small character class (white space: one space, as the scan sees it)."""
    out: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            out.add(chr(av).lower())
        elif op is _c.RANGE and av[1] - av[0] < 16:
            out.update(chr(c).lower() for c in range(av[0], av[1] + 1))
        elif op is _c.CATEGORY and av is _c.CATEGORY_SPACE:
            out.add(" ")
        else:
            return None
    return out


def _scan_pattern(phrase: str, tokenizer: Tokenizer) -> tuple[str, int]:
    """A phrase's pattern without look-arounds or character classes, and what must follow it.

    ``phrase_pattern`` adds the boundaries as regex; the index uses this as it is, starting only at
    word starts and checking the phrase's end itself, so each pattern compiles in a sixth of the time
    (a one-letter check compiles a few hundred of them).
    """
    prefix = phrase.endswith("*")
    phrase = phrase.rstrip("*")
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    if tokenizer == "thai":
        return body, NO_TAIL
    if prefix:
        return body, ANY_ENDING
    return body, WORD_END if tokenizer == "latin" and _WORD_CHAR.search(phrase[-1:]) else NO_TAIL


class ThaiEdges:
    """Word boundaries in Thai text from PyThaiNLP's dictionary segmenter (every edge of a non-Thai run too).

    Thai phrases match only from one boundary to another, so ขอโทษ ("sorry") is never found
    inside a longer word, and a cue cut out of โทรศัพท์ ("telephone") is not a word. The
    segmenter joins some compounds (ด้วยความยินดี), so a position inside a token is a
    boundary too when both halves of the token are dictionary words.
    """

    def __init__(self, text: str) -> None:
        self.edges = {0, len(text)}
        self.starts: list[int] = []  # where each token of two characters or more starts
        self.tokens: list[str] = []
        pos = 0
        for m in _THAI_RUN.finditer(text):
            self.edges.update(range(pos, m.start() + 1))
            offset = m.start()
            for token in _thai_tokens(m.group()):
                if len(token) > 1:
                    self.starts.append(offset)
                    self.tokens.append(token)
                offset += len(token)
                self.edges.add(offset)
            pos = m.end()
        self.edges.update(range(pos, len(text) + 1))

    def __contains__(self, pos: object) -> bool:
        if pos in self.edges:
            return True
        if not isinstance(pos, int) or (k := bisect_right(self.starts, pos) - 1) < 0:
            return False
        start, token = self.starts[k], self.tokens[k]
        return pos < start + len(token) and _dictionary_split(token, pos - start)


@lru_cache(maxsize=4096)
def _dictionary_split(token: str, k: int) -> bool:
    words = thai_dictionary()
    return all(all(t in words for t in _thai_tokens(half)) for half in (token[:k], token[k:]))


class ThaiDictionary:
    """PyThaiNLP's word list as its ``newmm`` segmenter reads a dictionary: ``prefixes(text, start)``.

    The same words and the same answers as PyThaiNLP's own ``Trie``, which takes 0.6 to 0.9 s to build
    (62,000 words, a Python object per node) in every process that segments Thai; a set and a sorted
    list take 0.05 to 0.09 s (the sort), or 0.02 s from words already sorted. ``prefixes`` stops as soon
    as no word starts with what it has read (a binary search of the sorted words) and never reads past
    the longest word.
    """

    def __init__(self, words: Iterable[str], *, ordered: bool = False) -> None:
        """``ordered``: ``words`` are already stripped, distinct and sorted (a kept copy of the list)."""
        self.ordered = list(words) if ordered else sorted({w.strip() for w in words if w.strip()})
        self.words = frozenset(self.ordered)
        self.longest = max(map(len, self.ordered), default=0)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        """Every word of the dictionary that ``text`` has at ``start``, shortest first (as ``Trie.prefixes``)."""
        found, end, ordered = [], min(len(text), start + self.longest), self.ordered
        for stop in range(start + 1, end + 1):
            piece = text[start:stop]
            i = bisect_left(ordered, piece)
            if i == len(ordered) or not ordered[i].startswith(piece):
                break  # no word starts with this: no longer one can be a word either
            if ordered[i] == piece:
                found.append(piece)
        return found


@lru_cache(maxsize=1)
def thai_dictionary() -> ThaiDictionary:
    """PyThaiNLP's default word list, as a ``ThaiDictionary`` (built once per process).

    The sorted list is kept in the user's cache folder (``parsecache``), keyed by the SHA-256 of
    PyThaiNLP's word file, with its length first: a copy that does not hold that many words is not used.
    """
    from pathlib import Path

    import pythainlp.corpus
    from pythainlp.corpus.common import thai_words

    try:
        listing: bytes | None = (Path(pythainlp.corpus.__file__).parent / "words_th.txt").read_bytes()
    except OSError:
        listing = None  # PyThaiNLP laid out otherwise: build from its word set every time
    kept = parsecache.derived("thai", listing, "txt") if listing is not None else None
    if kept is not None and kept.is_file():
        try:
            count, *ordered = kept.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            count, ordered = "", []
        if count == str(len(ordered)):
            return ThaiDictionary(ordered, ordered=True)
    dictionary = ThaiDictionary(thai_words())
    if kept is not None:
        parsecache.write(kept, "\n".join([str(len(dictionary)), *dictionary.ordered]).encode("utf-8"), keep=4)
    return dictionary


@lru_cache(maxsize=4096)
def _thai_tokens(run: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize  # heavy import, only for Thai

    return tuple(word_tokenize(run, engine="newmm", keep_whitespace=True, custom_dict=thai_dictionary()))  # type: ignore[arg-type]


def _leftmost_longest(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out


def words(text: str, tokenizer: Tokenizer) -> list[str]:
    """The words of ``text``, case-folded (Thai runs segmented by dictionary)."""
    out: list[str] = []
    for token in _WORD.findall(normalise(nfc(text))):
        if tokenizer == "thai" and _THAI_RUN.fullmatch(token):
            out += [t for t in _thai_tokens(token) if t.strip()]
        else:
            out.append(token.casefold())
    return out


_RUNS = re.compile(r"\s+|\S+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def no_surrogates(text: str) -> str:
    """Lone surrogates (from a broken paste or a bad decoder) become U+FFFD; the length is kept."""
    return _SURROGATE.sub("\ufffd", text)


def aligned(raw: str) -> tuple[str, list[int] | None]:
    """The text to check (NFC, line ends as ``\\n``) and, when it differs, where each character came from.

    ``offsets[i]`` is the index in ``raw`` of character ``i`` of the result, with one more entry
    for the end, so a span found in the result maps back to the user's own text. Normalisation
    never crosses white space, so the text is normalised run by run.
    """
    if "\r" not in raw and unicodedata.is_normalized("NFC", raw):
        return raw, None
    parts: list[str] = []
    offsets: list[int] = []
    for m in _RUNS.finditer(raw):
        piece, base = m.group(), m.start()
        if piece[0].isspace():
            for k, ch in enumerate(piece):
                if ch == "\r" and piece[k + 1 : k + 2] == "\n":
                    continue
                parts.append("\n" if ch == "\r" else ch)
                offsets.append(base + k)
            continue
        new = unicodedata.normalize("NFC", piece)
        parts.append(new)
        offsets += [base + (k * len(piece)) // len(new) for k in range(len(new))]
    offsets.append(len(raw))
    return "".join(parts), offsets
