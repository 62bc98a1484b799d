"""The IDs the data defines, read once: languages, kinds, stages and tones (no pydantic, so the command
line can build its choices without loading the models).

A pack in guardrails/lang/ is a language, a file in guardrails/kinds/ a kind (with its stages), and
prompts/tones.yaml lists the tones: adding one needs no Python edit.
"""

from __future__ import annotations

from .paths import kind_ids, kind_stages, language_codes, tones_data

LANGS = language_codes()
KINDS = kind_ids()
TONES: tuple[str, ...] = tuple(tones_data().get("tones") or ())
STAGES = tuple(dict.fromkeys(s for stages, _ in kind_stages().values() for s in stages))
