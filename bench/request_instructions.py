"""Instructions per request, counted by callgrind: a measure that the machine's speed does not move.

    .venv/bin/python bench/request_instructions.py [KIND ...] [--runs 5]

KIND is any of: health, day, week, search, fragment, picker, suggestions, add, delete, floor
(default: all). "floor" is bench/floor_urls.py's bare INSERT behind the same middleware, the
least any add-item can cost.

Wall-clock figures on a shared 2-core machine drift by half from run to run; the number of
instructions the app executes for a request is repeatable to about 1 %, so a change to the code can
be judged by it. Each kind runs in its own process under `valgrind --tool=callgrind` (Debian's
valgrind; instrumentation switched on only around the measured requests, with callgrind_control),
through Django's test client on the load test's seeded users (bench_load_test.seed_users, in the
database named by DATABASE_URL, default bench_web.py's), with the page cache cleared before each
request so every page is rendered. PostgreSQL's own work is not counted (a separate process).
Items it adds are deleted afterwards.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
KINDS = [
    "health", "day", "week", "search", "fragment", "picker", "suggestions", "add", "delete", "floor"
]  # fmt: skip
WARM_UP = 3


def measure(kind: str, runs: int) -> float:
    """Millions of instructions per request of `kind` (this script again, under callgrind)."""
    completed = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
            sys.executable, __file__, "--inside", kind, "--runs", str(runs),
        ],
        capture_output=True, text=True, check=False, env=os.environ,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", completed.stderr)
    if completed.returncode != 0 or not found or int(found.group(1)) == 0:
        sys.exit(f"request_instructions: {kind} failed:\n{completed.stdout}{completed.stderr}")
    return int(found.group(1)) / runs / 1e6


def inside(kind: str, runs: int) -> None:
    """Under callgrind: seed, warm up, then count `runs` requests of `kind`."""
    sys.path.insert(0, str(BENCH_DIR))
    sys.path.insert(0, str(BENCH_DIR.parent))
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mgplanner_bench")
    os.environ.update(
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="bench.floor_settings" if kind == "floor" else "mgplanner.settings",
    )
    import bench_load_test

    users, seeded_at = bench_load_test.seed_users(dict(os.environ), 1)
    from django.core.cache import cache
    from django.test import Client

    from foods.models import Food

    user = users[0]
    client = Client()
    client.cookies["sessionid"] = user.session
    client.cookies["csrftoken"] = user.csrf
    day = user.days[3]
    meals = [meal for on in user.days for meal in user.meals[on]]
    food = Food.objects.get(source="usda_sr28", code="12014").pk  # pumpkin seeds
    added: list[int] = []
    count = 0

    def add() -> object:
        nonlocal count
        meal = meals[count % len(meals)]  # round the week's meals: none grows far
        count += 1
        response = client.post(
            f"/plan/meals/{meal}/items/",
            {f"add-{meal}-food": food, f"add-{meal}-grams": "28.35"},
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=user.csrf,
        )
        added.append(max(int(pk) for pk in bench_load_test.ITEM_DELETE.findall(response.content)))
        return response

    requests = {
        "health": lambda: client.get("/health/"),
        "day": lambda: client.get(f"/plan/day/{day.isoformat()}/"),
        "week": lambda: client.get(f"/plan/week/{user.monday.isoformat()}/"),
        "search": lambda: client.get("/foods/", {"q": "pumpkin seeds"}),
        "fragment": lambda: client.get("/foods/", {"q": "spinach"}, HTTP_HX_REQUEST="true"),
        "picker": lambda: client.get(
            f"/plan/meals/{meals[0]}/foods/", {"q": "almonds"}, HTTP_HX_REQUEST="true"
        ),
        "suggestions": lambda: client.get(
            f"/plan/day/{day.isoformat()}/suggestions/",
            {"meal": user.meals[day][0]},
            HTTP_HX_REQUEST="true",
        ),
        "add": add,
        "floor": lambda: client.post(
            f"/bench/floor-add/{meals[0]}/",
            {f"add-{meals[0]}-food": food},
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=user.csrf,
        ),
        "delete": lambda: client.post(
            f"/plan/items/{added.pop()}/delete/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=user.csrf
        ),
    }
    request = requests[kind]
    if kind == "delete":
        for _ in range(WARM_UP + runs):
            add()

    def run() -> None:
        cache.clear()
        response = request()
        if response.status_code != 200:  # type: ignore[attr-defined]
            sys.exit(f"{kind} answered {response.status_code}")  # type: ignore[attr-defined]

    try:
        for _ in range(WARM_UP):
            run()
        control = ["callgrind_control", "--instr"]
        subprocess.run([*control, "on", str(os.getpid())], capture_output=True, check=False)
        for _ in range(runs):
            run()
        subprocess.run([*control, "off", str(os.getpid())], capture_output=True, check=False)
    finally:
        bench_load_test.remove_added_items(seeded_at)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", metavar="KIND", help=", ".join(KINDS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args.inside, args.runs)
        return 0
    if unknown := [kind for kind in args.kinds if kind not in KINDS]:
        parser.error(f"unknown kind {', '.join(unknown)}; known: {', '.join(KINDS)}")
    if not shutil.which("valgrind"):
        sys.exit("request_instructions: needs valgrind (Debian package valgrind)")
    print("| request | M instructions |\n|---|---:|")
    for kind in args.kinds or KINDS:
        print(f"| {kind} | {measure(kind, args.runs):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
