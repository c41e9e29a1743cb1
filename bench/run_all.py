"""Run every benchmark in bench/ in turn (`make bench`); each prints its own figures.

The web benchmark needs PostgreSQL and wrk; the others run on whatever DATABASE_URL names
(the SQLite dev database by default).
"""

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ORDER = ["bench_scoring.py", "bench_load.py", "bench_search.py", "bench_web.py"]


def main() -> int:
    failed = []
    for name in ORDER:
        script = BENCH_DIR / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
