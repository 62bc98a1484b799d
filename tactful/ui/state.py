"""Typed page state kept in ``st.session_state``: settings, session id, letter versions.

The API key typed into the settings panel lives only in this browser session's memory:
never on disk, in history, in exports or in any message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

from ..catalog import Catalog, load
from ..config import Settings, load_settings
from ..errors import ConfigError
from ..history import History
from ..letter import Letter
from ..repair import DraftReport


@dataclass
class Version:
    """One drafted version of the letter, as shown side by side."""

    number: int
    label: str
    tone: str
    instruction: str
    letter: Letter
    result: DraftReport
    case: dict[str, Any]
    history_id: int | None = None
    movement: str = ""
    moved: bool | None = None  # did it move the way the writer asked (None: cannot tell, or a first draft)
    brief: bool = False  # kept short: "Shorter" stays in force through later adjustments

    @property
    def short(self) -> bool:
        """True when later adjustments must keep this version's length ("Shorter", or the concise tone)."""
        return self.brief or self.tone == "concise"

    @classmethod
    def from_history(cls, row: Any) -> Version:
        """A stored draft as the one version of a reopened letter."""
        return cls(number=1, label=f"Reopened #{row.id}", tone=row.tone, instruction=row.instruction,
                   letter=row.stored_letter(),
                   result=row.report_result(), case=row.case, history_id=row.id)

    @property
    def passed(self) -> bool:
        """True when the version passed the guardrails."""
        return self.result.passed


@dataclass
class PageState:
    """Everything one browser session remembers."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    versions: list[Version] = field(default_factory=list)
    form_errors: dict[str, str] = field(default_factory=dict)
    api_key: str = ""
    facts: dict[str, Any] | None = None  # the form's values by widget key (None: first visit, load an example)
    facts_lang: str = ""  # the language of the example the facts came from ("" once the user typed)


def page_state() -> PageState:
    """This session's state (created on first use)."""
    if "tactful" not in st.session_state:
        st.session_state["tactful"] = PageState()
    state: PageState = st.session_state["tactful"]
    return state


@st.cache_resource
def catalog() -> Catalog:
    """The data catalog, loaded once per server process."""
    return load()


@lru_cache(maxsize=4)
def _history(path: str) -> History:
    return History(Path(path))


def history(settings: Settings) -> History:
    """The history store at the configured path (default under the user's data dir)."""
    path = settings.db_path or settings.data_dir / "history.db"
    return _history(str(path))


def current_settings() -> Settings:
    """Settings from the environment, overridden by the sidebar's choices for this session."""
    over: dict[str, Any] = dict(st.session_state.get("settings_override", {}))
    key = page_state().api_key
    if key:
        over["api_key"] = key
    return settings_or_stop(**over)


def settings_or_stop(**over: Any) -> Settings:
    """Settings, or the page says which setting is wrong (and what it must be) and stops there."""
    try:
        return load_settings(**over)
    except ConfigError as err:
        st.error(f"A setting is wrong: {err.message}. Fix it and reload the page.", icon=":material/error:")
        st.stop()
        raise  # st.stop() ends the script; this line is never reached
