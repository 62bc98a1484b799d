"""Eval throughput: 120 cells against the loopback server replying after 100 ms, concurrency 16.

Run by hand (``make bench``). Prints wall time against the ideal ceil(120/16) × 100 ms.
A fresh cache, so every cell makes its model call. Beside the whole command it times the floor that
the stack sets: the same 120 calls made with the openai SDK alone (no rendering, checking or scoring),
in a fresh process, the same way.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tactful.cases import load_case  # noqa: E402
from tactful.catalog import load  # noqa: E402
from tactful.config import Settings  # noqa: E402
from tactful.drafting import DraftRequest  # noqa: E402
from tactful.drafting.offline import OfflineDrafter  # noqa: E402
from tactful.evals.run import RunConfig, run  # noqa: E402

SDK_ALONE = """
import asyncio, sys, time
started = time.perf_counter()
import openai
imported = time.perf_counter()
async def main(url, cells, concurrency):
    client = openai.AsyncOpenAI(base_url=url, api_key="unused")
    gate = asyncio.Semaphore(concurrency)
    async def one(i):
        async with gate:
            reply = await client.chat.completions.create(model="test-model", messages=[{"role": "user", "content": f"case {i}"}])
            return reply.choices[0].message.content
    await asyncio.gather(*(one(i) for i in range(cells)))
    await client.close()
asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
print(imported - started, time.perf_counter() - imported)
"""
CELLS, CONCURRENCY, DELAY = int(sys.argv[1]) if len(sys.argv) > 1 else 120, int(sys.argv[2]) if len(sys.argv) > 2 else 16, 0.1


def main() -> None:
    catalog = load()
    source = ROOT / "tests" / "data" / "cases" / "credit-denied.yaml"
    case = load_case(source, catalog)
    good = json.dumps(OfflineDrafter().draft(DraftRequest(case=case, catalog=catalog, prompt_version="v2",
                                                          tone="neutral")).letter.flat())
    with tempfile.TemporaryDirectory() as tmp:
        reply = Path(tmp) / "reply.json"
        reply.write_text(good, encoding="utf-8")
        # The server runs in its own process, as a real one would: it must not share our GIL.
        server = subprocess.Popen([sys.executable, "-m", "tests.fakes.serve", str(reply), str(DELAY)], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        base_url = (server.stdout.readline() if server.stdout else "").strip()

        def timed(name: str, cells: int) -> tuple[float, Any]:
            folder = Path(tmp) / name / "bad_news"
            folder.mkdir(parents=True)
            for i in range(cells):  # distinct cases, so every cell is its own request
                text = source.read_text().replace("card balances.", f"card balances ({name} {i}).")
                (folder / f"en-case-{i:03}.yaml").write_text(text)
            cfg = RunConfig(cases_dir=folder.parent, prompts=["v2"], provider="openai", models=["test-model"],
                            tones=[], out=Path(tmp) / f"{name}-run", settings=Settings(base_url=base_url),
                            concurrency=CONCURRENCY, cache_path=Path(tmp) / "cache.db")
            t = time.perf_counter()
            result = run(cfg, catalog)
            return time.perf_counter() - t, result

        # A first run in a fresh process builds the language detector and loads the SDK's types;
        # it is timed too, then the measured run starts warm.
        cold, _ = timed("cold", CELLS)
        wall, result = timed("warm", CELLS)
        # And the whole command as a user runs it: a fresh process, imports and start-up included.
        folder = Path(tmp) / "command" / "bad_news"
        folder.mkdir(parents=True)
        for i in range(CELLS):
            text = source.read_text().replace("card balances.", f"card balances (command {i}).")
            (folder / f"en-case-{i:03}.yaml").write_text(text)
        t = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "tactful"), "eval", "--cases", str(folder.parent),
                               "--provider", "openai", "--base-url", base_url, "--model", "test-model", "--prompt", "v2",
                               "--concurrency", str(CONCURRENCY), "--cache", str(Path(tmp) / "command.db"),
                               "--out", str(Path(tmp) / "command-run")], capture_output=True, text=True, check=False)
        command = time.perf_counter() - t
        t = time.perf_counter()
        alone = subprocess.run([sys.executable, "-c", SDK_ALONE, base_url, str(CELLS), str(CONCURRENCY)],
                               capture_output=True, text=True, check=False)
        sdk_wall = time.perf_counter() - t
        server.kill()
    ideal = math.ceil(CELLS / CONCURRENCY) * DELAY
    passed = sum(1 for r in result.rows if r.passed)
    print(f"{result.ran} cells ({passed} passed), concurrency {CONCURRENCY}, server delay {DELAY * 1000:.0f} ms")
    print(f"cold process: wall {cold:.2f} s; ideal {ideal:.2f} s; ratio {cold / ideal:.2f}x")
    print(f"warm process: wall {wall:.2f} s; ideal {ideal:.2f} s; ratio {wall / ideal:.2f}x (target within 1.5x)")
    status = "exit 0" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[-300:]}"
    print(f"whole command (tactful eval, fresh process): wall {command:.2f} s; ideal {ideal:.2f} s; "
          f"ratio {command / ideal:.2f}x ({status})")
    if alone.returncode == 0:
        sdk_import, sdk_calls = map(float, alone.stdout.split())
        print(f"the openai SDK alone, same calls, fresh process: wall {sdk_wall:.2f} s (import openai {sdk_import:.2f} s, "
              f"calls {sdk_calls:.2f} s); ratio {sdk_wall / ideal:.2f}x")
    else:
        print(f"the openai SDK alone: failed: {alone.stderr[-300:]}")


if __name__ == "__main__":
    main()
