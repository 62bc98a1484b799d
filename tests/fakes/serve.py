"""Run the fake OpenAI-compatible server in its own process (benchmarks: keep it off the client's GIL).

Usage: python -m tests.fakes.serve REPLY_FILE DELAY_S — prints the base URL, serves until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAI


def main() -> None:
    reply = Path(sys.argv[1]).read_text(encoding="utf-8")
    fake = FakeOpenAI(default=lambda body: reply).start()
    fake.delay = float(sys.argv[2])
    print(fake.base_url, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
