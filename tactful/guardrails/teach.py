"""Build the meaning model of each language from its teaching data: ``python -m tactful.guardrails.teach``.

Inputs, all reviewer-editable data:

- ``guardrails/teach/<lang>.yaml`` (and ``<lang>.<topic>.yaml``, more of the same): labelled example
  sentences. ``sections.<kind>[.<stage>].<section>``
  lists sentences that do that section's job; ``greeting``, ``sign_off`` and ``other`` list lines
  that are no section; ``rules.<rule>.flag`` sentences commit the fault and ``rules.<rule>.pass``
  sentences look alike but do not. A sentence taught for one section is a "what it is not" example
  for every other section.
- the language pack's section cues and each rule's ``flag``/``pass`` examples (weaker weight).

Output: ``guardrails/model/<lang>.npz`` (see ``meaning.py``) and a ``.json`` report beside it with
the inputs' hash and cross-validated figures on the teaching data. A test rebuilds the hash and
fails when the data changed without a rebuild, so CI verifies the artefact.

scikit-learn is needed only here (a development dependency); checking needs numpy alone.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .. import yamldoc
from ..catalog import ROOT, Catalog, LangPack
from ..text import Tokenizer

SEED = 0
C_SECTIONS = 8.0
C_RULES = 4.0
CUE_WEIGHT = 0.5
PACK_WEIGHT = 3.0     # the pack's own flag/pass examples: the reviewed, canonical cases (the tests run them)
CONTEXT_WEIGHT = 0.6  # section sentences as counter-examples for a rule
DEFAULT_THRESHOLD = 0.5
MIN_THRESHOLD, MAX_THRESHOLD = 0.6, 0.9
TARGET_PRECISION = 0.9  # a learned rule fires where its cross-validated precision reaches this
NOT_SECTION = ("greeting", "sign_off", "other")
# For the apology detector, sentences taught for these sections are apologies, not counter-examples.
APOLOGY_SECTIONS = ("apology", "owner_apology")


class RuleExamples(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    flag: list[str] = Field(default_factory=list)
    pass_: list[str] = Field(default_factory=list, alias="pass")


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    flag: str
    pass_: str = Field(alias="pass")


class Pairs(BaseModel):
    """guardrails/teach/<lang>.pairs.yaml: minimal pairs, one sentence with the fault and its honest twin."""

    model_config = ConfigDict(extra="forbid")
    lang: str
    pairs: dict[str, list[Pair]]


class Teaching(BaseModel):
    """guardrails/teach/<lang>.yaml."""

    model_config = ConfigDict(extra="forbid")
    lang: str
    sections: dict[str, dict[str, list[str]]]
    greeting: list[str] = Field(default_factory=list)
    sign_off: list[str] = Field(default_factory=list)
    other: list[str] = Field(default_factory=list)
    rules: dict[str, RuleExamples] = Field(default_factory=dict)
    # false: the file's section sentences teach the sections only, not the learned rules (as what is no fault)
    rule_context: bool = True
    _section_only: set[str] = PrivateAttr(default_factory=set)  # filled by load_teaching from such files


def teach_path(root: Path, lang: str) -> Path:
    return root / "guardrails" / "teach" / f"{lang}.yaml"


def pairs_paths(root: Path, lang: str) -> list[Path]:
    """The language's minimal-pair files: ``<lang>.pairs.yaml`` and ``<lang>.pairs-<topic>.yaml``."""
    return sorted((root / "guardrails" / "teach").glob(f"{lang}.pairs*.yaml"))


def extra_paths(root: Path, lang: str) -> list[Path]:
    """More teaching files for the language (``<lang>.<topic>.yaml``, e.g. ``en.bad_news.yaml``), pairs aside."""
    pairs = set(pairs_paths(root, lang))
    return sorted(p for p in (root / "guardrails" / "teach").glob(f"{lang}.*.yaml") if p not in pairs)


def load_teaching(root: Path, lang: str) -> Teaching:
    """The language's teaching files merged, with its minimal pairs (if any) added to each rule's flag/pass lists."""
    teaching = yamldoc.load(teach_path(root, lang), Teaching)
    for extra in extra_paths(root, lang):
        more = yamldoc.load(extra, Teaching)
        for block, sections in more.sections.items():
            for sid, sentences in sections.items():
                teaching.sections.setdefault(block, {}).setdefault(sid, []).extend(sentences)
                if not more.rule_context:
                    teaching._section_only.update(sentences)
        for label in NOT_SECTION:
            getattr(teaching, label).extend(getattr(more, label))
        for rule, examples in more.rules.items():
            own = teaching.rules.setdefault(rule, RuleExamples())
            own.flag += examples.flag
            own.pass_ += examples.pass_
    for path in pairs_paths(root, lang):
        for rule, pairs in yamldoc.load(path, Pairs).pairs.items():
            own = teaching.rules.setdefault(rule, RuleExamples())
            own.flag += [p.flag for p in pairs]
            own.pass_ += [p.pass_ for p in pairs]
    return teaching


def model_path(root: Path, lang: str) -> Path:
    return root / "guardrails" / "model" / f"{lang}.npz"


def inputs_sha256(root: Path, lang: str) -> str:
    """Hash of everything the model is built from: teaching data, pack, feature and build code."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in (teach_path(root, lang), *extra_paths(root, lang), *pairs_paths(root, lang),
                 root / "guardrails" / "lang" / f"{lang}.yaml",
                 here / "features.py", here / "teach.py"):
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()


Sample = tuple[str, str, float]  # text, label, weight


def section_samples(teaching: Teaching, pack: LangPack, catalog: Catalog) -> dict[str, list[Sample]]:
    """Per layout (``bad_news``, ``complaint_reply.resolution``, ...): its sections' sentences, labelled.

    A section ID that several layouts share (``closing``, ``apology``) is taught by all their examples.
    """
    by_section: dict[str, list[Sample]] = {}
    for block, sections in teaching.sections.items():
        for sid, sentences in sections.items():
            if sid not in catalog.section_ids:
                raise ValueError(f"sections.{block}.{sid}: unknown section ID")
            by_section.setdefault(sid, []).extend((s, sid, 1.0) for s in sentences if s.strip())
    for sid, cues in pack.sections.items():
        by_section.setdefault(sid, []).extend((c.rstrip("*"), sid, CUE_WEIGHT) for c in cues)
    shared: list[Sample] = []
    for label in NOT_SECTION:
        shared += [(s, label, 1.0) for s in getattr(teaching, label) if s.strip()]
    shared += [(g, "greeting", CUE_WEIGHT) for g in pack.greetings]
    shared += [(g, "sign_off", CUE_WEIGHT) for g in pack.sign_offs]
    out: dict[str, list[Sample]] = {}
    for kind_id, kind in catalog.kinds.items():
        for stage in kind.stages or [None]:
            layout = kind.stage(stage)
            key = f"{kind_id}.{stage}" if stage else kind_id
            ids = [s.id for s in layout.sections if s.role is None]  # signature and cc are read by their shape
            samples = [x for sid in ids for x in by_section.get(sid, [])]
            if samples:
                out[key] = samples + shared
    return out


def rule_samples(rule: str, teaching: Teaching, pack: LangPack, layouts: dict[str, list[Sample]]) -> list[tuple[str, int, float]]:
    """Positive and negative sentences for one learned rule."""
    own = teaching.rules.get(rule, RuleExamples())
    packed = pack.rules.get(rule)
    pos: list[tuple[str, int, float]] = [(s, 1, 1.0) for s in own.flag]
    pos += [(s, 1, PACK_WEIGHT) for s in (packed.flag if packed else [])]
    pos += [(p.rstrip("*"), 1, CUE_WEIGHT) for p in (packed.phrases if packed else [])]
    neg: list[tuple[str, int, float]] = [(s, 0, 1.0) for s in own.pass_]
    neg += [(s, 0, PACK_WEIGHT) for s in (packed.pass_ if packed else [])]
    for other, examples in teaching.rules.items():
        if other != rule:
            neg += [(s, 0, 0.5) for s in examples.pass_]
    seen: set[str] = set()
    for text, label, weight in (x for samples in layouts.values() for x in samples):
        if weight < 1.0 or text in seen or text in teaching._section_only:
            continue
        seen.add(text)
        if rule == "over_apology" and label in APOLOGY_SECTIONS:
            pos.append((text, 1, CONTEXT_WEIGHT))
        elif rule != "over_apology" or label not in ("bad_news", "explanation"):
            neg.append((text, 0, CONTEXT_WEIGHT))
    return pos + neg


def _threshold(prob: Any, positive: Any) -> float:
    """The lowest probability at which the cross-validated precision reaches TARGET_PRECISION."""
    for t in np.arange(MIN_THRESHOLD, MAX_THRESHOLD + 0.01, 0.05):
        hit = prob >= t
        if hit.sum() and (hit & positive).sum() / hit.sum() >= TARGET_PRECISION:
            return round(float(t), 2)
    return MAX_THRESHOLD


class _Vectoriser:
    """TF-IDF over the feature sets of every teaching sentence (features seen at least twice)."""

    def __init__(self, texts: list[str], tokenizer: Tokenizer) -> None:
        from .features import features

        self.cache = {t: features(t, tokenizer) for t in dict.fromkeys(texts)}
        df: dict[str, int] = {}
        for fs in self.cache.values():
            for f in fs:
                df[f] = df.get(f, 0) + 1
        names = sorted(f for f, n in df.items() if n >= 2)
        self.vocab = {f: i for i, f in enumerate(names)}
        self.idf = np.array([np.log((1 + len(self.cache)) / (1 + df[f])) + 1.0 for f in names])

    def matrix(self, items: list[str]) -> Any:
        from scipy.sparse import csr_matrix

        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for r, text in enumerate(items):
            idx = sorted(self.vocab[f] for f in self.cache[text] if f in self.vocab)
            if idx:
                w = self.idf[idx]
                rows += [r] * len(idx)
                cols += idx
                vals += (w / np.sqrt(w @ w)).tolist()
        return csr_matrix((vals, (rows, cols)), shape=(len(items), len(self.vocab)))


def _folds(labels: Any) -> Any:
    """Stratified 5-fold cross-validation, fewer folds for a small class, None when it cannot be done."""
    from sklearn.model_selection import StratifiedKFold

    smallest = min(np.unique(labels, return_counts=True)[1], default=0)
    n = min(5, int(smallest))
    return StratifiedKFold(n_splits=n, shuffle=True, random_state=SEED) if n >= 2 and len(set(labels)) > 1 else None


def _fit_sections(vec: _Vectoriser, layouts: dict[str, list[Sample]],
                  report: dict[str, Any], cv: bool) -> tuple[Any, Any, list[str]]:
    """One softmax per layout: the weight columns, biases and "<layout>/<class>" names of all of them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    names: list[str] = []
    cols, biases = [], []
    report["sections_cv_accuracy"] = {}
    for key, samples in layouts.items():
        x = vec.matrix([t for t, _, _ in samples])
        y = np.array([label for _, label, _ in samples])
        sw = np.array([w for _, _, w in samples])
        fitted = LogisticRegression(C=C_SECTIONS, max_iter=3000, class_weight="balanced").fit(x, y, sample_weight=sw)
        coef, bias = fitted.coef_, fitted.intercept_
        if len(fitted.classes_) == 2:
            coef, bias = np.vstack([-coef[0], coef[0]]), np.array([-bias[0], bias[0]])
        cols.append(coef.T)
        biases.append(bias)
        names += [f"{key}/{c}" for c in fitted.classes_]
        full = sw >= 1.0
        folds = _folds(y[full]) if cv else None
        if folds is not None:
            pred = cross_val_predict(LogisticRegression(C=C_SECTIONS, max_iter=3000, class_weight="balanced"),
                                     x[full], y[full], cv=folds)
            report["sections_cv_accuracy"][key] = round(float((pred == y[full]).mean()), 3)
    return np.hstack(cols), np.concatenate(biases), names


def _fit_rule(vec: _Vectoriser, samples: list[tuple[str, int, float]], cv: bool) -> tuple[Any, float, dict[str, Any]]:
    """One learned rule: its weight column, bias, and report (with the cross-validated threshold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    x = vec.matrix([t for t, _, _ in samples])
    y = np.array([label for _, label, _ in samples])
    sw = np.array([w for _, _, w in samples])
    fitted = LogisticRegression(C=C_RULES, max_iter=3000, class_weight="balanced").fit(x, y, sample_weight=sw)
    mask = sw > CUE_WEIGHT  # cross-validate on sentences, with the realistic mix of plain ones
    entry: dict[str, Any] = {"flag": int((y[mask] == 1).sum()), "not": int((y[mask] == 0).sum()),
                             "cv_precision": None, "cv_recall": None, "threshold": DEFAULT_THRESHOLD}
    folds = _folds(y[mask]) if cv else None
    if folds is not None:
        prob = cross_val_predict(LogisticRegression(C=C_RULES, max_iter=3000, class_weight="balanced"),
                                 x[mask], y[mask], cv=folds, method="predict_proba")[:, 1]
        entry["threshold"] = _threshold(prob, y[mask] == 1)
        hit = prob >= entry["threshold"]
        tp = int((hit & (y[mask] == 1)).sum())
        entry["cv_precision"] = round(tp / max(1, int(hit.sum())), 3)
        entry["cv_recall"] = round(tp / max(1, int((y[mask] == 1).sum())), 3)
    return fitted.coef_[0], float(fitted.intercept_[0]), entry


def build(root: Path, lang: str, catalog: Catalog, *, verbose: bool = True, cv: bool = True) -> dict[str, Any]:
    """Train and write the model for one language; return its report.

    Without ``cv`` the cross-validation (figures and learned-rule thresholds) is skipped: the
    weights are the same, the thresholds fall back to the default.
    """
    from .meaning import MeaningModel

    teaching = load_teaching(root, lang)
    pack = catalog.lang(lang).pack
    layouts = section_samples(teaching, pack, catalog)
    rules = sorted(r for r in teaching.rules if r in catalog.rules)
    rule_sets = {r: rule_samples(r, teaching, pack, layouts) for r in rules}
    vec = _Vectoriser([t for samples in layouts.values() for t, _, _ in samples]
                      + [t for r in rules for t, _, _ in rule_sets[r]], pack.tokenizer)
    report: dict[str, Any] = {"lang": lang, "inputs_sha256": inputs_sha256(root, lang), "vocabulary": len(vec.vocab)}
    w_sec, b_sec, classes = _fit_sections(vec, layouts, report, cv)
    fitted = [_fit_rule(vec, rule_sets[r], cv) for r in rules]
    report["rules"] = {r: entry for r, (_, _, entry) in zip(rules, fitted, strict=True)}
    model = MeaningModel(
        lang=lang, tokenizer=pack.tokenizer, vocab=vec.vocab, idf=vec.idf, classes=classes,
        w_sec=w_sec.astype(np.float32), b_sec=b_sec.astype(np.float64), rules=rules,
        w_rule=(np.array([c for c, _, _ in fitted]).T if rules else np.zeros((len(vec.vocab), 0))).astype(np.float32),
        b_rule=np.array([b for _, b, _ in fitted], dtype=np.float64), inputs_sha256=report["inputs_sha256"],
        thresholds={r: e["threshold"] for r, e in report["rules"].items()},
    )
    model.save(model_path(root, lang), report)
    if verbose:
        print(f"{lang}: {len(vec.vocab)} features, sections CV accuracy {report['sections_cv_accuracy']}; "
              + ", ".join(f"{r} P{v['cv_precision']}/R{v['cv_recall']} at {v['threshold']}"
                          for r, v in report["rules"].items()))
    return report


def teaching_languages(root: Path) -> list[str]:
    """Every language with a teaching file (``<lang>.yaml``; ``<lang>.pairs.yaml`` belongs to it)."""
    return sorted(p.stem for p in (root / "guardrails" / "teach").glob("*.yaml") if "." not in p.stem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tactful.guardrails.teach", description=__doc__.split("\n")[0])
    parser.add_argument("langs", nargs="*", help="languages to build (default: every language with teaching data)")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    catalog = Catalog(args.root)
    langs = args.langs or teaching_languages(args.root)
    for lang in langs:
        build(args.root, lang, catalog)
    return 0


if __name__ == "__main__":
    sys.exit(main())
