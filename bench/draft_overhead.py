"""What Tactful adds around one model call, and offline drafts per second.

Run by hand (``make bench``). Against the loopback OpenAI-compatible test server (replying
at once), it times (a) the tool's own work per draft, prompt build + reply parse + check +
repair decision, measured in-process without the HTTP round trip, and (b) a whole guarded
draft through HTTP for context. Then it times the offline drafter over every tone.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tactful.cases import load_case  # noqa: E402
from tactful.catalog import load  # noqa: E402
from tactful.config import Settings  # noqa: E402
from tactful.drafting import DraftRequest  # noqa: E402
from tactful.drafting.offline import OfflineDrafter  # noqa: E402
from tactful.drafting.remote import RemoteDrafter  # noqa: E402
from tactful.drafting.schema import parse_reply  # noqa: E402
from tactful.guardrails import check  # noqa: E402
from tactful.letter import TONES  # noqa: E402
from tactful.prompts import cached_version, render  # noqa: E402
from tactful.repair import failing_parts, guarded_draft  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

N = 200


def main() -> None:
    catalog = load()
    case = load_case(ROOT / "tests" / "data" / "cases" / "credit-denied.yaml", catalog)
    request = DraftRequest(case=case, catalog=catalog, prompt_version="v2", tone="neutral")
    reply_text = json.dumps(OfflineDrafter().draft(request).letter.flat())
    section_ids = catalog.kind(case.kind).stage(case.stage).section_ids
    version = cached_version("v2")

    own = []
    for _ in range(N):
        t = time.perf_counter()
        render(version, case, catalog, tone="neutral")
        letter = parse_reply(reply_text, section_ids)
        verdict = check(letter, kind=case.kind, lang=case.lang, facts=case.facts, catalog=catalog)
        failing_parts(verdict, letter, section_ids)
        own.append((time.perf_counter() - t) * 1000)

    server = FakeOpenAI(default=lambda body: reply_text).start()
    try:
        drafter = RemoteDrafter(Settings(base_url=server.base_url, model="test-model"))
        whole = []
        for _ in range(N // 4):
            t = time.perf_counter()
            guarded_draft(drafter, request, max_repairs=2, token_budget=10_000)
            whole.append((time.perf_counter() - t) * 1000)
    finally:
        server.stop()

    drafter_offline = OfflineDrafter()
    t = time.perf_counter()
    count = 0
    for _ in range(10):
        for tone in TONES:
            req = DraftRequest(case=case, catalog=catalog, prompt_version="v2", tone=tone)
            guarded_draft(drafter_offline, req, max_repairs=0, token_budget=1000)
            count += 1
    per_s = count / (time.perf_counter() - t)

    print(f"tool overhead per draft (prompt + parse + check + decision): median {statistics.median(own):.2f} ms,"
          f" p95 {statistics.quantiles(own, n=20)[-1]:.2f} ms")
    print(f"whole guarded draft via loopback HTTP (server replies at once): median {statistics.median(whole):.2f} ms")
    print(f"offline drafter, drafted and checked: {per_s:.0f} letters/s")


if __name__ == "__main__":
    main()
