"""Start-up: `tactful check one-letter.txt` as a whole command, in a fresh process, per language.

Run by hand (``make bench``). Each language's letter is the offline drafter's for a shipped case;
the command is run 12 times and the median and the fastest of the last 11 are printed, with ``--lang`` given and with
the language detected. The target is 0.3 s for one letter (bar: 1.0 s).

The package's bytecode is compiled first, as ``pip install`` does (this machine sets
PYTHONDONTWRITEBYTECODE, so a checkout would otherwise compile every module on every run). The
first run of each language starts with an empty cache folder (``TACTFUL_CACHE_DIR``): it is shown
as "cold", the time of the first check after installing or after the data changed.

Below it, the floor the stack sets, timed the same way: Python alone, and Python importing numpy
and pydantic and validating one small model (the first model pulls in the rest of pydantic), which
every check does before any of Tactful's own work.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tactful.cases import load_case  # noqa: E402
from tactful.catalog import load  # noqa: E402
from tactful.drafting import DraftRequest  # noqa: E402
from tactful.drafting.offline import OfflineDrafter  # noqa: E402

CASES = {"en": "bad_news/en-credit-denied", "es": "bad_news/es-prestamo-denegado", "ms": "complaint_reply/ms-caj-kad-kredit",
         "th": "complaint_reply/th-hospital-billing", "bn": "win_back/bn-tailor-eid-order"}
TACTFUL = Path(sys.executable).parent / "tactful"
FLOORS = {
    "python alone": "pass",
    "python, numpy, pydantic and one model": "import numpy, pydantic\nclass A(pydantic.BaseModel):\n    x: int\nA(x=1)",
}


def timed(cmd: list[str], env: dict[str, str] | None = None, runs: int = 12) -> list[float]:
    """Wall seconds of ``runs`` fresh processes of ``cmd``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    import compileall
    import os

    compileall.compile_dir(ROOT / "tactful", quiet=1)
    catalog = load()
    print("tactful check, one ~200-word letter, fresh process, median (fastest) of 11 runs; cold: the first, empty cache:")
    with tempfile.TemporaryDirectory() as tmp:
        for lang, name in CASES.items():
            case = load_case(ROOT / "evals" / "cases" / f"{name}.yaml", catalog)
            letter = OfflineDrafter().draft(DraftRequest(case=case, catalog=catalog, prompt_version="v2",
                                                         tone=case.tone)).letter
            path = Path(tmp) / f"{lang}.txt"
            path.write_text(letter.text, encoding="utf-8")
            row = []
            for extra in (["--lang", lang], []):
                cmd = [str(TACTFUL), "check", str(path), "--kind", case.kind, *extra]
                env = {**os.environ, "TACTFUL_CACHE_DIR": str(Path(tmp) / f"cache-{lang}-{len(extra)}")}
                times = timed(cmd, env)
                row.append(f"{statistics.median(times[1:]):.2f} s ({min(times[1:]):.2f} s; cold {times[0]:.2f} s)")
            print(f"  {lang}: --lang given {row[0]}, detected {row[1]}")
    print("the floor, same way:")
    for label, code in FLOORS.items():
        times = timed([sys.executable, "-c", code])
        print(f"  {label}: {statistics.median(times[1:]):.2f} s ({min(times[1:]):.2f} s)")


if __name__ == "__main__":
    main()
