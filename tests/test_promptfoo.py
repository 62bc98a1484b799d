"""The promptfoo bridge, called the way promptfoo's Python worker calls it: the file loaded by path."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
import yaml

from tactful.catalog import ROOT

CONFIG = ROOT / "evals" / "promptfoo" / "promptfooconfig.yaml"


def bridge() -> ModuleType:
    """The module as promptfoo loads it: by file path, outside the package (so its imports must be absolute)."""
    path = CONFIG.parent / "../../tactful/evals/promptfoo.py"
    spec = importlib.util.spec_from_file_location("promptfoo_provider", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_config_points_at_the_bridge_and_at_real_cases() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    for provider in config["providers"]:
        assert (CONFIG.parent / provider["id"].removeprefix("file://")).resolve().is_file()
        assert provider["config"]["prompt_version"] in {"v1", "v2", "v3"}
    assert (CONFIG.parent / config["defaultTest"]["assert"][0]["value"].removeprefix("file://")).resolve().is_file()
    for test in config["tests"]:
        assert (ROOT / "evals" / "cases" / f"{test['vars']['case']}.yaml").is_file()


def test_call_api_drafts_through_the_guarded_loop_and_get_assert_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_PROVIDER", "offline")
    module = bridge()
    context = {"vars": {"case": "complaint_reply/th-hospital-billing"}, "prompt": {"raw": "{{case}}"}}
    reply = module.call_api("complaint_reply/th-hospital-billing", {"config": {"prompt_version": "v3"}}, context)
    assert "error" not in reply, reply
    assert reply["metadata"]["passed"] and reply["metadata"]["prompt_version"] == "v3"
    assert "เรียน" in reply["output"] and set(reply["tokenUsage"]) == {"total", "prompt", "completion"}
    graded = module.get_assert(reply["output"], context)
    assert graded == {"pass": True, "score": 1.0, "reason": "passes the guidelines and every expectation"}


def test_get_assert_fails_a_letter_that_breaks_the_guide() -> None:
    module = bridge()
    context = {"vars": {"case": str(ROOT / "evals" / "cases" / "bad_news" / "en-credit-denied.yaml")}}
    graded = module.get_assert("Dear Mr. Arun Lee,\n\nYour loan was denied because you failed to pay your cards.\n", context)
    assert graded["pass"] is False and graded["score"] < 1
    assert "passes_guardrails" in graded["reason"] and "missing_section" in graded["reason"]


def test_a_test_without_a_case_gets_a_clear_error() -> None:
    module = bridge()
    assert module.call_api("x", {}, {"vars": {}}) == {"error": "the test has no 'case' variable: set vars.case to a case file"}
    graded = module.get_assert("text", {"vars": {"case": "no/such-case"}})
    assert graded["pass"] is False and "no such case file" in graded["reason"]
