"""The meaning model: what a sentence does (its section) and which faults it commits, per language.

It is a linear model over the features in ``features.py`` (TF-IDF weighted, L2-normalised), one
per language, built from the language's teaching examples (``guardrails/teach/<lang>.yaml``) and
its pack's cues and rule examples by ``python -m tactful.guardrails.teach`` (``make model``). The
built artefact is ``guardrails/model/<lang>.npz``: the vocabulary, IDF weights, one weight column
per section class and per learned rule, in float16. Checking needs only numpy: scoring a sentence
is a sum of the weight rows of its known features, so a 300-word letter costs about a millisecond.

Scores are cached per sentence text, so a repair round or an eval that sees the same sentence
again pays nothing for it.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from .. import parsecache
from ..catalog import Lang
from ..errors import DataFileError
from ..text import Tokenizer
from .features import PRIOR, bigrams, clean, token_features, tokens

FORMAT = 1
KNOWN_MIN_WORDS = 8
MODEL_COPIES = 16  # unpacked artefacts kept in the cache folder (five languages, and a rebuild or two)


@dataclass(eq=False)
class Scores:
    """One sentence's section scores (a softmax per layout: ``bad_news``, ``complaint_reply.resolution``,
    ...; computed when asked for) and learned-rule probabilities."""

    logits: np.ndarray
    rules: dict[str, float]
    model: MeaningModel
    _probs: dict[str, dict[str, float]] = field(default_factory=dict)

    def sections(self, layout: str) -> dict[str, float]:
        """Section probabilities within ``layout`` (empty when the model has no such layout)."""
        if layout not in self._probs:
            bounds = self.model.layouts.get(layout)
            if bounds is None:
                return {}
            start, end = bounds
            part = np.exp(self.logits[start:end] - self.logits[start:end].max())
            self._probs[layout] = dict(zip(self.model.names[start:end], (part / part.sum()).tolist(), strict=True))
        return self._probs[layout]


@dataclass(eq=False)
class MeaningModel:
    """A language's section classifier and learned-rule detectors."""

    lang: str
    tokenizer: Tokenizer
    vocab: dict[str, int]
    idf: np.ndarray
    classes: list[str]          # "<layout>/<class>": one softmax per layout
    w_sec: np.ndarray
    b_sec: np.ndarray
    rules: list[str]
    w_rule: np.ndarray
    b_rule: np.ndarray
    inputs_sha256: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)
    _cache: dict[str, Scores] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._word_rows: dict[str, tuple[int, ...]] = {}
        self._prior = tuple(i for f in PRIOR if (i := self.vocab.get(f)) is not None)
        # sections' and rules' columns side by side, in float32 (the artefact stores float16), each row already
        # multiplied by its feature's IDF weight (the float32 products a sentence would make): scoring all of a
        # letter's sentences is one gather and one sum
        self._idf = np.asarray(self.idf, dtype=np.float32)
        self._weights = np.hstack([self.w_sec, self.w_rule.reshape(len(self.w_sec), -1)], dtype=np.float32)
        self._weights *= self._idf[:, None]
        self._bias = np.concatenate([self.b_sec, self.b_rule]).astype(np.float64)
        self.layouts: dict[str, tuple[int, int]] = {}
        self.names: list[str] = []
        for i, name in enumerate(self.classes):
            layout, _, cls = name.partition("/")
            start, _ = self.layouts.get(layout, (i, i))
            self.layouts[layout] = (start, i + 1)
            self.names.append(cls)

    def _rows(self, text: str) -> set[int]:
        """The vocabulary rows of a sentence's features (each word's rows are looked up once)."""
        words = tokens(clean(text))
        vocab = self.vocab
        rows = set(self._prior)
        for word in words:
            cached = self._word_rows.get(word)
            if cached is None:
                cached = self._word_rows[word] = tuple(
                    i for f in token_features(word, self.tokenizer) if (i := vocab.get(f)) is not None)
            rows.update(cached)
        rows.update(i for f in bigrams(words) if (i := vocab.get(f)) is not None)
        return rows

    def known_share(self, text: str) -> float | None:
        """The share of a text's words the model was taught (None under eight words): a text in another
        language shares few (at most 0.35 on the corpus), one in this language most (0.45 and up in 95 %
        of Latin and Bengali paragraphs)."""
        words = [w for w in tokens(clean(text)) if w != "0"]
        if len(words) < KNOWN_MIN_WORDS:
            return None
        return sum(1 for w in words if "w:" + w in self.vocab) / len(words)

    def score(self, text: str) -> Scores:
        """Section scores and rule probabilities for one sentence (cached by the sentence's text)."""
        return self.score_all([text])[0]

    def score_all(self, texts: list[str]) -> list[Scores]:
        """``score`` for each of ``texts``, the new ones computed together (a letter's sentences at once)."""
        new = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if new:
            if len(self._cache) + len(new) > 20000:
                self._cache.clear()
            rows_of = [self._rows(t) for t in new]
            logits = np.tile(self._bias, (len(new), 1))
            known = [k for k, rows in enumerate(rows_of) if rows]
            if known:
                sizes = [len(rows_of[k]) for k in known]
                rows = np.fromiter(chain.from_iterable(rows_of[k] for k in known), dtype=np.intp, count=sum(sizes))
                starts = np.cumsum([0, *sizes[:-1]])
                weights = self._idf[rows]
                norms = np.sqrt(np.add.reduceat(weights * weights, starts))
                logits[known] += np.add.reduceat(self._weights[rows], starts) / norms[:, None]
            n_sec = len(self.b_sec)
            probs = (1.0 / (1.0 + np.exp(-np.clip(logits[:, n_sec:], -500.0, 500.0)))).tolist()
            for text, out, prob in zip(new, logits, probs, strict=True):
                self._cache[text] = Scores(logits=out[:n_sec], rules=dict(zip(self.rules, prob, strict=True)), model=self)
        return [self._cache[t] for t in texts]

    def save(self, path: Path, report: dict[str, object]) -> None:
        """Write the artefact (and a JSON report of how it was built next to it)."""
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                format=np.array([FORMAT]),
                meta=np.frombuffer(json.dumps({
                    "lang": self.lang, "tokenizer": self.tokenizer, "classes": self.classes,
                    "rules": self.rules, "inputs_sha256": self.inputs_sha256,
                    "thresholds": self.thresholds}).encode(), dtype=np.uint8),
                vocab=np.frombuffer("\n".join(vocab).encode(), dtype=np.uint8),
                idf=self.idf.astype(np.float16),
                w_sec=self.w_sec.astype(np.float16), b_sec=self.b_sec.astype(np.float32),
                w_rule=self.w_rule.astype(np.float16), b_rule=self.b_rule.astype(np.float32),
            )
        path.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: Path) -> MeaningModel:
    """Load an artefact written by ``MeaningModel.save``.

    The artefact is compressed, in float16 (it is in the repository); unpacking and widening it took
    most of a first check's model load, so the arrays are kept unpacked, in float32, in the user's cache
    folder (``parsecache``), keyed by the artefact's SHA-256, and read from there after the first time.
    """
    try:
        packed = path.read_bytes()
        plain = parsecache.derived("model", packed, "npz")
        arrays = _kept_arrays(plain) if plain is not None else None
        if arrays is None:
            arrays = _arrays(io.BytesIO(packed))
            if plain is not None:
                out = io.BytesIO()  # float16 widened to float32 once here, not on every load (the same values)
                widened: dict[str, Any] = {k: a.astype(np.float32) if a.dtype == np.float16 else a for k, a in arrays.items()}
                np.savez(out, **widened)
                parsecache.write(plain, out.getvalue(), keep=MODEL_COPIES)
        if int(arrays["format"][0]) != FORMAT:
            raise DataFileError(str(path), "built by another version of Tactful: run `make model`")
        meta = json.loads(bytes(arrays["meta"]).decode())
        vocab = bytes(arrays["vocab"]).decode().split("\n")
        return MeaningModel(
            lang=meta["lang"], tokenizer=meta["tokenizer"], vocab=dict(zip(vocab, range(len(vocab)), strict=True)),
            idf=arrays["idf"].astype(np.float32), classes=list(meta["classes"]),
            w_sec=arrays["w_sec"], b_sec=arrays["b_sec"].astype(np.float64),
            rules=list(meta["rules"]), w_rule=arrays["w_rule"],
            b_rule=arrays["b_rule"].astype(np.float64), inputs_sha256=meta.get("inputs_sha256", ""),
            thresholds=dict(meta.get("thresholds", {})),
        )
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataFileError(str(path), f"cannot read the meaning model ({err}): run `make model`") from None


def _arrays(source: Path | io.BytesIO) -> dict[str, np.ndarray]:
    """Every array of an ``.npz``."""
    with source.open("rb") if isinstance(source, Path) else source as fh, np.load(fh, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _kept_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The kept unpacked copy's arrays; None when there is none or it cannot be read (the artefact is read instead)."""
    try:
        arrays = _arrays(path) if path.is_file() else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return arrays if arrays is not None and "format" in arrays else None


@lru_cache(maxsize=16)
def cached(path: Path, mtime_ns: int) -> MeaningModel:
    """One loaded model per artefact file and version of it."""
    del mtime_ns  # part of the cache key only
    return read(path)


def model_of(lang: Lang) -> MeaningModel | None:
    """The language's meaning model (guardrails/model/<lang>.npz), read on first use; None when none was built."""
    path = lang.model_path
    if path is None or not path.exists():
        return None
    return cached(path, path.stat().st_mtime_ns)
