"""Take docs/screenshot-day.png: the day page of a realistic planned day, in Debian's chromium.

    .venv/bin/python bench/screenshot.py [--out docs/screenshot-day.png]

It builds a throw-away SQLite database (migrate, load_foods), plans one day through the
plans services, serves the app with `manage.py runserver` and photographs the page.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

# (meal, NDB number, grams or None, household measure unit or None, how many)
DAY: list[tuple[str, str, float | None, str | None, float]] = [
    ("Breakfast", "08120", 40, None, 0),  # oats
    ("Breakfast", "01077", None, "cup", 1),  # whole milk
    ("Breakfast", "12014", None, "oz", 1),  # pumpkin seeds
    ("Breakfast", "09040", 118, None, 0),  # banana
    ("Lunch", "20037", None, "cup", 1),  # brown rice
    ("Lunch", "16015", None, "cup", 0.5),  # black beans
    ("Lunch", "11457", None, "cup", 2),  # raw spinach
    ("Dinner", "15076", 150, None, 0),  # salmon
    ("Dinner", "11507", 150, None, 0),  # sweet potato
    ("Dinner", "11090", 91, None, 0),  # broccoli
    ("Snacks", "12061", 28.35, None, 0),  # almonds
    ("Snacks", "19904", 20, None, 0),  # dark chocolate
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plan_the_day(on: date) -> str:
    """Plan `on` for a demo person; return a session id logged in as her."""
    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Profile, User
    from foods.models import Food
    from plans import services

    user = User.objects.create_user(email="screenshot@example.org", display_name="Ada")
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "date_of_birth": date(on.year - 34, 1, 1),
            "sex": "female",
            "onboarded_at": timezone.now(),
        },
    )
    day = services.day_get_or_create(user=user, on=on)
    meals = {meal.name: meal for meal in day.meals.all()}
    for meal_name, code, grams, unit, quantity in DAY:
        food = Food.objects.get(source="usda_sr28", code=code)
        portion = food.portions.get(unit=unit) if unit else None
        services.meal_item_add(
            meal=meals[meal_name],
            food=food,
            editor=user,
            grams=grams,
            portion=portion,
            portion_quantity=Decimal(str(quantity)) if portion else None,
        )
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot-day.png")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"screenshot: {CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/screenshot.sqlite3",
            "DJANGO_DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "mgplanner.settings",
        }
        for command in (["migrate", "--noinput", "-v", "0"], ["load_foods", "--quiet"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        on = date.today()
        session = plan_the_day(on)

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/health/", timeout=1)  # noqa: S310 - loopback
                    break
                except OSError:
                    time.sleep(0.1)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
                context = browser.new_context(
                    viewport={"width": 1280, "height": 900}, device_scale_factor=1
                )
                context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                page = context.new_page()
                page.goto(f"{base}/plan/day/{on.isoformat()}/")
                page.wait_for_selector("#day-score")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out), full_page=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
