"""Evals: pick runs of `tactful eval`, compare prompt versions and models, read letters side by side."""

from pathlib import Path
from typing import Any

import streamlit as st

from tactful.evals import report
from tactful.evals.results import CellResult
from tactful.evals.run import read_rows
from tactful.highlight import highlighted
from tactful.ui.state import current_settings

st.title("Evals")
default_runs = current_settings().data_dir / "runs"
runs_dir = Path(st.text_input("Runs folder", value=str(default_runs), key="runs_dir"))
runs = sorted((p for p in runs_dir.glob("*") if (p / "results.jsonl").exists()), reverse=True) \
    if runs_dir.is_dir() else []
if not runs:
    st.info(f"No runs yet. Run `tactful eval --suite prompts` (results go to {default_runs}).")
    st.stop()
# keyed by folder: another folder's picks never hide this one's runs
picked = st.multiselect("Runs", runs, default=runs[:1], format_func=lambda p: p.name, key=f"runs_picked.{runs_dir}")
rows = [row for run in picked for row in read_rows(run)]
if not rows:
    st.stop()

st.subheader("Summary per prompt version and model")
summary = report.summarise(rows)
percent: dict[str, Any] = {k: st.column_config.NumberColumn(k.replace("_", " "), format="percent")
           for k in ("pass_rate", "score") if summary and k in summary[0]}
st.dataframe(summary, hide_index=True, column_config=percent)

st.subheader("Cells violating each rule")
rules = report.by_rule(rows)
one_model = len({r.model for r in rows}) == 1


def label(prompt: str, model: str) -> str:
    """A chart label short enough to read in full: the version, and the model when several are compared."""
    return prompt if one_model else f"{prompt} · {model.split(':')[-1]}"


chart = [{"rule": rule, "version": label(p, m), "cells": n} for (p, m), counts in rules.items() for rule, n in counts.items()]
if chart:
    st.bar_chart(chart, x="rule", y="cells", color="version", stack=False, horizontal=True)  # labels read in full
else:
    st.success("No violations in these runs.")

st.subheader("Pass rate by version")
st.bar_chart([{"version": label(s["prompt"], s["model"]), "pass rate (%)": round(100 * s["pass_rate"], 1)}
              for s in summary], x="version", y="pass rate (%)", horizontal=True)

st.subheader("Letters side by side")
cases = sorted({r.case for r in rows})
only_diff = st.checkbox("Only cases whose outcome differs between versions", key="only_diff")
by_case: dict[str, dict[str, CellResult]] = {}
for r in rows:
    by_case.setdefault(r.case, {}).setdefault(f"{r.prompt_version} {r.model}", r)
if only_diff:
    cases = [c for c in cases if len({r.ok for r in by_case[c].values()}) > 1]
if not cases:
    st.info("No case differs between the picked versions.")
    st.stop()
case = st.selectbox("Case", cases, key="eval_case")
columns = st.columns(len(by_case[case]))
for col, (version_label, row) in zip(columns, sorted(by_case[case].items()), strict=False):
    with col:
        st.markdown(f"**{version_label}** · {'passed' if row.ok else 'failed'}")
        if row.error:
            st.error(row.error)
        else:
            st.html(highlighted(row.letter, (row.report or {}).get("violations", [])))
            st.caption("violations: " + (", ".join(sorted(row.violations)) or "none"))
