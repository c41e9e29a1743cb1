"""Run every benchmark in bench/ in turn (`make bench`); each prints its own figures.

The web benchmark needs PostgreSQL and wrk; the others run on whatever DATABASE_URL names
(the SQLite dev database by default).
"""

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# Pure and in-process benchmarks first; the ones that start gunicorn last.
LAST = ["bench_web.py", "bench_load_test.py"]


def main() -> int:
    failed = []
    names = sorted(path.name for path in BENCH_DIR.glob("bench_*.py"))
    for name in [n for n in names if n not in LAST] + [n for n in LAST if n in names]:
        script = BENCH_DIR / name
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
