"""promptfoo on the same 120 cells as bench/eval_throughput.py, beside Tactful's figure.

Run by hand, with promptfoo installed where you like (it is not a dependency of Tactful):
``PROMPTFOO_BIN=/path/to/node_modules/.bin/promptfoo python bench/promptfoo_throughput.py``.
The same loopback server (its own process, replying after 100 ms), 120 distinct cells (2 prompts x
60 tests), concurrency 16, no cache; promptfoo's built-in OpenAI provider, no assertions: it only
sends and records, where Tactful also renders, parses, checks and scores every cell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELLS, CONCURRENCY, DELAY = 120, 16, 0.1


def main() -> None:
    binary = os.environ.get("PROMPTFOO_BIN") or shutil.which("promptfoo")
    if not binary:
        print("promptfoo not found: set PROMPTFOO_BIN to its executable")
        return
    with tempfile.TemporaryDirectory() as tmp:
        reply = Path(tmp) / "reply.json"
        reply.write_text(json.dumps({"greeting": "Dear Ana,", "bad_news": "x"}), encoding="utf-8")
        server = subprocess.Popen([sys.executable, "-m", "tests.fakes.serve", str(reply), str(DELAY)], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        base_url = (server.stdout.readline() if server.stdout else "").strip()
        try:
            tests = "\n".join(f"  - vars: {{n: {i}}}" for i in range(CELLS // 2))
            (Path(tmp) / "promptfooconfig.yaml").write_text(
                "prompts:\n  - 'Draft letter {{n}} in version A'\n  - 'Draft letter {{n}} in version B'\n"
                f"providers:\n  - id: openai:chat:test-model\n    config: {{apiBaseUrl: '{base_url}', apiKey: sk-test}}\n"
                f"tests:\n{tests}\n", encoding="utf-8")
            env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
                   "HOME": tmp, "OPENAI_API_KEY": "sk-test"}
            started = time.perf_counter()
            done = subprocess.run([binary, "eval", "--no-cache", "--no-write", "--no-table", "-j", str(CONCURRENCY)],
                                  cwd=tmp, env=env, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
        finally:
            server.kill()
        ok = "Successes: 120" in done.stdout
        ideal = -(-CELLS // CONCURRENCY) * DELAY
        print(f"promptfoo {CELLS} cells ({'all succeeded' if ok else 'NOT all succeeded'}), concurrency {CONCURRENCY}, "
              f"server delay {int(DELAY * 1000)} ms")
        print(f"whole command: wall {wall:.2f} s; ideal {ideal:.2f} s; ratio {wall / ideal:.2f}x")
        if not ok:
            print(done.stdout[-1500:], done.stderr[-1500:])


if __name__ == "__main__":
    main()
