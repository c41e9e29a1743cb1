"""Load test: simulated users on gunicorn and PostgreSQL, 80 % reads and 20 % writes.

    .venv/bin/python bench/bench_load_test.py [--users 50] [--duration 60] [--strict]
        [--think-min 0.5] [--think-max 1.5] [--workers 2] [--suggestions PATH]

Like bench_web.py (whose set-up it reuses): migrates and fills the database named by
DATABASE_URL (default mgplanner_bench on the local PostgreSQL), seeds one account per user,
each with a planned week (5 meals, 30 real SR28 foods a day), and starts gunicorn as
`make serve` does (sync workers, JSON request logs to bench/results/load_test_gunicorn.log).
Each user is an asyncio task on one connection per request (gunicorn's sync workers close
it after each response), waiting a random think time between requests, as a person does
between clicks. After a 5 s warm-up, for --duration seconds, each user picks:

  reads (80 %)  day page 30, week page 12, food search page or as-you-type fragment 22,
                the day's add-food picker 16 (or 8 + suggestions 8 when --suggestions)
  writes (20 %) add an item (HTMX POST) 12, delete an item this user added 8

Suggestions: the day's suggestions (swaps) panel, found by its URL name
plans:day_suggestions (GET /plan/day/<date>/suggestions/?meal=<id>, HTMX). --suggestions
PATH_TEMPLATE (with {date} and {meal}) points elsewhere; --no-suggestions leaves it out
(then its share of reads goes to the picker), as happens when no such URL exists.

Reports requests, errors (any status >= 400 or a failed connection), req/s and latency
percentiles overall and per request kind. Targets (issue 8): zero errors, p99 < 200 ms.
Items the run added are deleted afterwards.
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import statistics
import string
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import bench_web  # noqa: E402 - the sibling benchmark's set-up helpers

ROOT = bench_web.ROOT
EMAIL_PATTERN = "load{n}@example.org"
WARM_UP_S = 5.0
TARGET_P99_MS = 200.0
SEARCH_TERMS = [
    "oats", "spinach", "almonds", "banana", "brown rice", "black beans", "milk", "chocolate",
    "salmon", "bread", "yogurt", "cashews", "quinoa", "avocado", "potato", "pumpkin seeds",
    "broccoli", "tofu", "lentils", "cheddar",
]  # fmt: skip
ITEM_DELETE = re.compile(rb"/plan/items/(\d+)/delete/")


@dataclass
class SimUser:
    n: int
    session: str
    csrf: str
    days: list[date]
    monday: date
    meals: dict[date, list[int]]
    added: list[int] = field(default_factory=list)


@dataclass
class Sample:
    kind: str
    ms: float
    status: int


def seed_users(env: dict[str, str], users: int) -> tuple[list[SimUser], object]:
    """One account per simulated user, with this week planned; returns them and the seed time."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.backends import USER_BACKEND
    from accounts.models import Profile, User
    from accounts.sessions import SessionStore
    from foods.models import Food
    from plans.models import Day, Meal, MealItem, Plan

    codes = {code for _, code, _ in bench_web.SEED_DAY}
    foods = {f.code: f for f in Food.objects.filter(source="usda_sr28", code__in=codes)}
    if missing := sorted(codes - foods.keys()):
        bench_web.fail(f"foods missing: {', '.join(missing)} (run manage.py load_foods)")

    today = date.today()
    days = [today + timedelta(days=offset) for offset in range(-3, 4)]
    emails = [EMAIL_PATTERN.format(n=n) for n in range(users)]
    sim_users = []
    with transaction.atomic():
        User.objects.filter(email__in=emails).delete()
        for n, email in enumerate(emails):
            user = User.objects.create_user(email=email, password=None)
            Profile.objects.create(
                user=user,
                date_of_birth=date(today.year - 20 - n % 50, 1, 1),
                sex="female" if n % 2 else "male",
                onboarded_at=timezone.now(),
            )
            plan = Plan.objects.create(owner=user)
            day_rows = Day.objects.bulk_create([Day(plan=plan, date=on) for on in days])
            meals = Meal.objects.bulk_create(
                [
                    Meal(day=day, name=name, position=position)
                    for day in day_rows
                    for position, name in enumerate(bench_web.MEAL_NAMES)
                ]
            )
            by_name = {(meal.day_id, meal.name): meal for meal in meals}
            MealItem.objects.bulk_create(
                [
                    MealItem(
                        meal=by_name[(day.pk, meal_name)],
                        food=foods[code],
                        grams=grams,
                        position=position,
                    )
                    for day in day_rows
                    for position, (meal_name, code, grams) in enumerate(bench_web.SEED_DAY)
                ]
            )
            # A logged-in session, as django.contrib.auth.login would store it.
            session = SessionStore()
            session["_auth_user_id"] = str(user.pk)
            session["_auth_user_backend"] = USER_BACKEND
            session["_auth_user_hash"] = user.get_session_auth_hash()
            session.create()
            sim_users.append(
                SimUser(
                    n=n,
                    session=session.session_key,
                    # Double-submit CSRF: the same secret as cookie and header.
                    csrf="".join(secrets.choice(string.ascii_letters) for _ in range(32)),
                    days=days,
                    monday=today - timedelta(days=today.weekday()),
                    meals={
                        day.date: [by_name[(day.pk, name)].pk for name in bench_web.MEAL_NAMES]
                        for day in day_rows
                    },
                )
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sim_users, timezone.now()


async def request(
    port: int, method: str, path: str, user: SimUser, *, body: str = "", htmx: bool = False
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on its own connection; returns the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Cookie: sessionid={user.session}; csrftoken={user.csrf}",
            "Connection: close",
        ]
        if method == "POST":
            lines += [
                f"X-CSRFToken: {user.csrf}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body.encode())}",
            ]
        if htmx:
            lines.append("HX-Request: true")
        writer.write(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    parts = status_line.split()
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return status, rest.partition(b"\r\n\r\n")[2]


def choose(rng: random.Random, user: SimUser, suggestions: str | None) -> tuple[str, ...]:
    """The user's next action: (kind, method, path, body, htmx)."""
    on = rng.choice(user.days)
    meal = rng.choice(user.meals[on])
    term = rng.choice(SEARCH_TERMS).replace(" ", "+")
    picker_weight = 8 if suggestions else 16
    actions = [
        (30, ("day page", "GET", f"/plan/day/{on.isoformat()}/", "", "")),
        (12, ("week page", "GET", f"/plan/week/{user.monday.isoformat()}/", "", "")),
        (11, ("search page", "GET", f"/foods/?q={term}", "", "")),
        (11, ("search fragment", "GET", f"/foods/?q={term}", "", "htmx")),
        (picker_weight,
         ("add-food picker", "GET", f"/plan/meals/{meal}/foods/?q={term}", "", "htmx")),
        (12, ("add item", "POST", f"/plan/meals/{meal}/items/",
              f"add-{meal}-food={{food}}&add-{meal}-grams=28.35&add-{meal}-preparation=none",
              "htmx")),
        (8, ("delete item", "POST", "/plan/items/{item}/delete/", "", "htmx")),
    ]  # fmt: skip
    if suggestions:
        path = suggestions.format(date=on.isoformat(), meal=meal)
        actions.append((8, ("suggestions", "GET", path, "", "htmx")))
    weights, choices = zip(*actions, strict=True)
    return rng.choices(choices, weights=weights)[0]


def choose_add(rng: random.Random, user: SimUser) -> tuple[str, ...]:
    while True:
        action = choose(rng, user, None)
        if action[0] == "add item":
            return action


async def run_user(
    user: SimUser,
    *,
    port: int,
    food_id: int,
    until: float,
    measure_from: float,
    think: tuple[float, float],
    suggestions: str | None,
    samples: list[Sample],
    failures: list[str],
) -> None:
    rng = random.Random(user.n)
    # Users arrive spread over the first think time, not all in the same millisecond.
    await asyncio.sleep(rng.uniform(0, think[1]))
    while time.monotonic() < until:
        kind, method, path, body, htmx = choose(rng, user, suggestions)
        if kind == "delete item" and not user.added:
            # Nothing of this user's to delete yet: a write all the same, so writes stay 20 %.
            kind, method, path, body, htmx = choose_add(rng, user)
        if kind == "delete item":
            path = path.format(item=user.added.pop(rng.randrange(len(user.added))))
        body = body.format(food=food_id)
        started = time.monotonic()
        try:
            status, content = await request(port, method, path, user, body=body, htmx=bool(htmx))
        except OSError as error:
            status, content = 0, b""
            failures.append(f"{kind} {path}: {error}")
        elapsed_ms = (time.monotonic() - started) * 1000
        if status >= 400 or status == 0:
            failures.append(f"{kind} {method} {path}: HTTP {status}")
        if kind == "add item" and status == 200:
            # The meals fragment lists every live item; the newest id is the one just added.
            ids = [int(match) for match in ITEM_DELETE.findall(content)]
            if ids:
                user.added.append(max(ids))
        if started >= measure_from:
            samples.append(Sample(kind, elapsed_ms, status))
        await asyncio.sleep(rng.uniform(*think))


async def drive(users: list[SimUser], args: argparse.Namespace, port: int, food_id: int):
    samples: list[Sample] = []
    failures: list[str] = []
    start = time.monotonic()
    measure_from = start + WARM_UP_S
    until = measure_from + args.duration
    await asyncio.gather(
        *(
            run_user(
                user,
                port=port,
                food_id=food_id,
                until=until,
                measure_from=measure_from,
                think=(args.think_min, args.think_max),
                suggestions=args.suggestions,
                samples=samples,
                failures=failures,
            )
            for user in users
        )
    )
    return samples, failures, time.monotonic() - measure_from


def server_times_ms(log_path: Path, since: float) -> list[float]:
    """Time inside Django per request, from the JSON request log (excludes queueing)."""
    times = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") != "mgplanner.request":
            continue
        logged = datetime.fromisoformat(entry["time"]).timestamp()
        if logged >= since:
            times.append(entry["duration_ms"])
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(
    samples: list[Sample],
    failures: list[str],
    elapsed_s: float,
    args: argparse.Namespace,
    server_ms: list[float],
    load: tuple[float, float],
) -> bool:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample.ms)
    errors = sum(1 for s in samples if s.status >= 400 or s.status == 0)
    all_ms = [s.ms for s in samples]
    writes = sum(len(by_kind[k]) for k in ("add item", "delete item"))
    print(
        f"\n{args.users} users, {args.duration} s after a {WARM_UP_S:.0f} s warm-up, think time "
        f"{args.think_min}-{args.think_max} s; gunicorn {args.workers} sync workers, "
        f"PostgreSQL, loopback; suggestions: "
        f"{args.suggestions or 'off'}\n"
    )
    print("| Request | count | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, values in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        print(
            f"| {kind} | {len(values)} | {statistics.median(values):.1f} "
            f"| {percentile(values, 0.95):.1f} | {percentile(values, 0.99):.1f} "
            f"| {max(values):.1f} |"
        )
    p99 = percentile(all_ms, 0.99)
    print(
        f"| **all** | {len(all_ms)} | {statistics.median(all_ms):.1f} "
        f"| {percentile(all_ms, 0.95):.1f} | {p99:.1f} | {max(all_ms):.1f} |"
    )
    print(
        f"\n{len(all_ms) / elapsed_s:.1f} req/s; writes {writes / len(all_ms):.0%}; "
        f"errors {errors} (measured), {len(failures)} (including warm-up)"
    )
    if server_ms:
        print(
            f"time inside Django (request log): p50 {statistics.median(server_ms):.1f} ms, "
            f"p99 {percentile(server_ms, 0.99):.1f} ms over {len(server_ms)} requests"
        )
    print(
        f"1-minute load average before/after: {load[0]:.2f} / {load[1]:.2f} "
        f"({os.cpu_count()} cores; other processes on the machine count too)"
    )
    for line in failures[:10]:
        print(f"  {line}")
    met_errors = not failures
    met_p99 = p99 < TARGET_P99_MS
    print(f"{'met   ' if met_errors else 'MISSED'} zero errors")
    print(f"{'met   ' if met_p99 else 'MISSED'} p99 < {TARGET_P99_MS:.0f} ms ({p99:.1f} ms)")
    return met_errors and met_p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--suggestions", help="suggestions path template ({date}, {meal})")
    parser.add_argument("--no-suggestions", action="store_true")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", bench_web.DEFAULT_DATABASE_URL)
    bench_web.ensure_database(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "mgplanner.settings",
        "DJANGO_MANIFEST_STATIC": "1",
    }
    bench_web.manage("migrate", "--noinput", "-v", "0", env=env)
    bench_web.manage("collectstatic", "--noinput", "-v", "0", env=env)
    bench_web.manage("load_foods", env=env)
    users, seeded_at = seed_users(env, args.users)
    if args.no_suggestions:
        args.suggestions = None
    elif not args.suggestions:
        args.suggestions = suggestions_path()
    from foods.models import Food

    food_id = Food.objects.get(source="usda_sr28", code="12014").pk  # pumpkin seeds

    port = bench_web.free_port()
    log_path = BENCH_DIR / "results" / "load_test_gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        gunicorn = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "mgplanner.wsgi",
            "--config", "python:mgplanner.gunicorn_conf",
                "--workers", str(args.workers),
                "--bind", f"127.0.0.1:{port}",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            bench_web.wait_for(f"http://127.0.0.1:{port}/health/", gunicorn)
            load_before = os.getloadavg()[0]
            measured_from = time.time() + WARM_UP_S
            samples, failures, elapsed_s = asyncio.run(drive(users, args, port, food_id))
            load_after = os.getloadavg()[0]
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=20)
    removed = remove_added_items(seeded_at)
    server_ms = server_times_ms(log_path, measured_from)
    met = report(samples, failures, elapsed_s, args, server_ms, (load_before, load_after))
    print(f"{removed} items added by the run removed; gunicorn log: {log_path}")
    return 0 if met or not args.strict else 1


def suggestions_path() -> str | None:
    """The suggestions panel's path template, when the planner has one."""
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("plans:day_suggestions", kwargs={"on": "2000-01-01"})
    except NoReverseMatch:
        return None
    return path.replace("2000-01-01", "{date}") + "?meal={meal}"


def remove_added_items(seeded_at: object) -> int:
    from plans.models import MealItem

    deleted, _ = MealItem.objects.filter(
        meal__day__plan__owner__email__startswith="load", created_at__gt=seeded_at
    ).delete()
    return deleted


if __name__ == "__main__":
    sys.exit(main())
