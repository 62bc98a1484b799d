"""Summaries and comparison reports (Markdown and a self-contained HTML file) of eval runs."""

from __future__ import annotations

import html
import statistics
from collections import defaultdict
from typing import Any

from ..highlight import highlighted
from ..versions import diff_html
from .results import CellResult

Group = tuple[str, str]  # (prompt version, provider:model)


def group_of(row: CellResult) -> Group:
    """The summary group of a row."""
    return row.prompt_version, f"{row.provider}:{row.model}"


def summarise(rows: list[CellResult]) -> list[dict[str, Any]]:
    """One line per prompt version × model: pass rate, score, violations, repairs, latency, tokens, cost."""
    groups: dict[Group, list[CellResult]] = defaultdict(list)
    for row in rows:
        groups[group_of(row)].append(row)
    out = []
    for (prompt, model), items in sorted(groups.items()):
        ok = [r for r in items if not r.error]
        costs = [r.cost_usd for r in ok if r.cost_usd is not None]
        out.append({
            "prompt": prompt, "model": model, "cells": len(items), "errors": len(items) - len(ok),
            "pass_rate": round(sum(r.passed for r in ok) / len(items), 3),
            "score": round(sum(r.ok for r in items) / len(items), 3),
            "mean_violations": round(statistics.mean([r.errors + r.warnings for r in ok]), 2) if ok else None,
            "mean_repairs": round(statistics.mean([r.attempts - 1 for r in ok]), 2) if ok else None,
            "median_latency_ms": round(statistics.median([r.latency_ms or 0.0 for r in ok]), 1) if ok else None,
            "tokens": sum(r.usage.total_tokens for r in ok),
            "cost_usd": round(sum(costs), 4) if costs else None,
            **_rubric_means(ok),
        })
    return out


def _rubric_means(rows: list[CellResult]) -> dict[str, float]:
    """Mean judge score per criterion (only when the run had a judge)."""
    graded = [r.rubric for r in rows if r.rubric is not None and "error" not in r.rubric]
    if not graded:
        return {}
    keys = [k for k, v in graded[0].items() if isinstance(v, int) and k != "judge_tokens"]
    return {f"rubric_{k}": round(statistics.mean(g[k] for g in graded), 2) for k in keys}


def by_rule(rows: list[CellResult]) -> dict[Group, dict[str, int]]:
    """Cells violating each rule, per group."""
    out: dict[Group, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for rule in row.violations:
            out[group_of(row)][rule] += 1
    return {k: dict(v) for k, v in out.items()}


def stability(rows: list[CellResult]) -> dict[Group, dict[str, int]]:
    """With repeats: cases that always pass, sometimes pass (flaky) or never pass, per group."""
    runs: dict[tuple[Group, str, str], list[bool]] = defaultdict(list)
    for row in rows:
        runs[(group_of(row), row.tone, row.case)].append(row.ok)
    out: dict[Group, dict[str, int]] = defaultdict(lambda: {"stable_pass": 0, "flaky": 0, "stable_fail": 0})
    for (group, _, _), oks in runs.items():
        bucket = "stable_pass" if all(oks) else "stable_fail" if not any(oks) else "flaky"
        out[group][bucket] += 1
    return dict(out)


def regressions(rows: list[CellResult], baseline: list[CellResult]) -> list[CellResult]:
    """Cells that scored in the baseline run and do not now (matched by cell identity)."""
    before = {r.cell: r.ok for r in baseline}
    return [r for r in rows if before.get(r.cell) and not r.ok]


def summary_table(summary: list[dict[str, Any]]) -> str:
    """The summary (``summarise``'s lines) as a Markdown table: the report's and the terminal's."""
    lines = ["| prompt | model | cells | pass rate | score | mean violations | mean repairs | median latency ms |"
             " tokens | cost USD | errors |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        lines.append(f"| {s['prompt']} | {s['model']} | {s['cells']} | {s['pass_rate']:.0%} | {s['score']:.0%} | "
                     f"{s['mean_violations']} | {s['mean_repairs']} | {s['median_latency_ms']} | {s['tokens']} | "
                     f"{'-' if s['cost_usd'] is None else s['cost_usd']} | {s['errors']} |")
    return "\n".join(lines)


def rubric_table(summary: list[dict[str, Any]]) -> str:
    """The judge's mean scores per criterion as a Markdown table ("" when the run had no judge)."""
    graded = [s for s in summary if any(k.startswith("rubric_") for k in s)]
    if not graded:
        return ""
    keys = [k for k in graded[0] if k.startswith("rubric_")]
    lines = ["| prompt | model | " + " | ".join(k[7:] for k in keys) + " |", "|---|---|" + "---|" * len(keys)]
    lines += [f"| {s['prompt']} | {s['model']} | " + " | ".join(str(s.get(k, "-")) for k in keys) + " |" for s in graded]
    return "\n".join(lines)


def _failure_text(row: CellResult) -> str:
    """Why a cell did not score: its unmet expectations and its violations by rule."""
    unmet = [f"{e.name}: {e.detail}" if e.detail else e.name for e in row.expectations if not e.ok]
    rules = [f"{rule} x{n}" if n > 1 else rule for rule, n in sorted(row.violations.items())]
    return "; ".join([*(["expectations: " + ", ".join(unmet)] if unmet else []),
                      *(["violations: " + ", ".join(rules)] if rules else [])]) or "did not pass"


def junit(rows: list[CellResult]) -> str:
    """JUnit XML for CI systems: a test suite per prompt version x model, a test case per cell."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="tactful eval")
    groups: dict[Group, list[CellResult]] = defaultdict(list)
    for row in rows:
        groups[group_of(row)].append(row)
    for (prompt, model), items in sorted(groups.items()):
        suite = ET.SubElement(root, "testsuite", name=f"{prompt} {model}", tests=str(len(items)),
                              failures=str(sum(not r.error and not r.ok for r in items)),
                              errors=str(sum(bool(r.error) for r in items)),
                              time=f"{sum(r.latency_ms or 0 for r in items) / 1000:.3f}")
        for row in sorted(items, key=lambda r: (r.case, r.tone, r.repeat)):
            name = f"{row.case} [{row.tone}]" + (f" #{row.repeat}" if row.repeat else "")
            case = ET.SubElement(suite, "testcase", classname=f"{prompt}.{model}", name=name,
                                 time=f"{(row.latency_ms or 0) / 1000:.3f}")
            if row.error:
                ET.SubElement(case, "error", message=row.error)
            elif not row.ok:
                failure = ET.SubElement(case, "failure", message=_failure_text(row))
                failure.text = row.letter
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


CSV_COLUMNS = ["cell", "prompt_version", "provider", "model", "tone", "case", "lang", "repeat", "scored", "passed",
               "expectations_met", "errors", "warnings", "violations", "words", "attempts", "latency_ms", "tokens",
               "cost_usd", "error"]


def csv_text(rows: list[CellResult]) -> str:
    """One CSV row per cell (spreadsheets and other tools read it)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = row.model_dump(include=set(CSV_COLUMNS), exclude_unset=True)
        writer.writerow({**{k: data.get(k) for k in CSV_COLUMNS}, "scored": row.ok,
                         "violations": " ".join(sorted(row.violations)),
                         "tokens": row.usage.total_tokens if "usage" in row.model_fields_set else None,
                         "error": row.error or ""})
    return buffer.getvalue()


def _cases(rows: list[CellResult]) -> dict[str, dict[str, CellResult]]:
    """case -> prompt version -> the first row (first model, tone and repeat) for side-by-side views."""
    out: dict[str, dict[str, CellResult]] = defaultdict(dict)
    for row in sorted(rows, key=lambda r: (r.case, r.model, r.tone, r.repeat)):
        out[row.case].setdefault(row.prompt_version, row)
    return out


def _outcome(row: CellResult) -> str:
    if row.error:
        return "error"
    return "pass" if row.ok else "fail"


def markdown(rows: list[CellResult], baseline: list[CellResult] | None = None) -> str:
    """The comparison as Markdown."""
    lines = ["# Eval report", ""]
    regs = regressions(rows, baseline or [])
    if baseline is not None:
        lines += [f"## Regressions against the baseline: {len(regs)}", ""]
        lines += [f"- `{r.cell}`: {r.error or ', '.join(sorted(r.violations)) or 'expectations'}" for r in regs] + [""]
    lines += ["## Summary", "", summary_table(summarise(rows))]
    rubric = rubric_table(summarise(rows))
    if rubric:
        lines += ["", "## Rubric (judge model, mean 1-5)", "", rubric]
    rules = by_rule(rows)
    all_rules = sorted({r for v in rules.values() for r in v})
    if all_rules:
        groups = sorted(rules)
        lines += ["", "## Violations by rule (cells)", "", "| rule | " + " | ".join(f"{p} {m}" for p, m in groups) + " |",
                  "|---|" + "---|" * len(groups)]
        lines += [f"| {rule} | " + " | ".join(str(rules[g].get(rule, 0)) for g in groups) + " |" for rule in all_rules]
    differing = [(case, versions) for case, versions in _cases(rows).items()
                 if len({_outcome(r) for r in versions.values()}) > 1]
    lines += ["", f"## Cases whose outcome differs between versions: {len(differing)}", ""]
    for case, versions in differing:
        lines.append(f"- `{case}`: " + ", ".join(f"{p} {_outcome(r)}" for p, r in sorted(versions.items())))
    return "\n".join(lines) + "\n"


CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:1400px}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}.letters{display:grid;gap:1rem}
.case{border-top:2px solid #444;margin-top:1.5rem}.pass{color:#176f2c}.fail,.error{color:#b00020}
del{background:#ffd6d6}ins{background:#d6f5d6;text-decoration:none}.same.hidden{display:none}"""
JS = """function only(on){document.querySelectorAll('.case.same').forEach(e=>e.classList.toggle('hidden',on))}"""


def html_report(rows: list[CellResult], baseline: list[CellResult] | None = None) -> str:
    """The comparison as one self-contained HTML file (no external assets)."""
    parts = [f"<!doctype html><meta charset='utf-8'><title>Tactful eval report</title><style>{CSS}</style>"
             f"<script>{JS}</script><h1>Eval report</h1>"]
    if baseline is not None:
        regs = regressions(rows, baseline)
        parts.append(f"<h2>Regressions against the baseline: {len(regs)}</h2><ul>"
                     + "".join(f"<li><code>{html.escape(r.cell)}</code></li>" for r in regs) + "</ul>")
    md_summary = summarise(rows)
    head = ["prompt", "model", "cells", "pass_rate", "score", "mean_violations", "mean_repairs", "median_latency_ms",
            "tokens", "cost_usd", "errors"]
    head += sorted({k for s in md_summary for k in s if k.startswith("rubric_")})
    parts.append("<h2>Summary</h2><table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(s.get(h, '-')))}</td>" for h in head) + "</tr>" for s in md_summary) + "</table>")
    parts.append("<h2>Cases</h2><label><input type=checkbox onchange='only(this.checked)'> "
                 "only cases whose outcome differs between versions</label>")
    for case, versions in _cases(rows).items():
        outcomes = {p: _outcome(r) for p, r in versions.items()}
        same = "same" if len(set(outcomes.values())) == 1 else "differs"
        cols = len(versions)
        parts.append(f"<div class='case {same}'><h3>{html.escape(case)}</h3>"
                     f"<div class='letters' style='grid-template-columns:repeat({cols},1fr)'>")
        for prompt, row in sorted(versions.items()):
            body = html.escape(row.error) if row.error else highlighted(row.letter, (row.report or {}).get("violations", []))
            rules = ", ".join(sorted(row.violations)) or "none"
            parts.append(f"<div><h4>{html.escape(prompt)} <span class='{outcomes[prompt]}'>{outcomes[prompt]}</span>"
                         f"</h4><p>violations: {html.escape(rules)}</p>{body}</div>")
        parts.append("</div>")
        texts = [r.letter for _, r in sorted(versions.items()) if not r.error]
        if len(texts) >= 2 and texts[0] != texts[1]:
            parts.append(f"<details><summary>word-level diff</summary>{diff_html(texts[0], texts[1])}</details>")
        parts.append("</div>")
    return "".join(parts)
