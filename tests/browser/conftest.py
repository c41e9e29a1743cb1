"""Playwright fixtures: one Debian chromium for the package, a fresh context per test.

The browser tests drive pytest-django's `live_server`, so they need `transactional_db`
(the server thread must see committed rows). Foods come from `browser_foods`: a handful of
real SR28 rows, far faster than loading the whole file.
"""

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from foods.food_file import NUTRIENT_FIELDS
from foods.models import Basis, Food, FoodSource
from tests.factories import FoodFactory, PortionFactory, ProfileFactory

CHROMIUM = Path("/usr/bin/chromium")

# SR28 values per 100 g (nutrients 208, 203, 204, 205, 291, 304, 301, 306, 307, 305, 309, 303, 328)
# and the WEIGHT.txt portions of each food; phytate/oxalate from foods/data/curation where that
# file has the food, else 0 (these tests check pages, not the model's figures).
FOODS: list[dict] = [
    {
        "code": "12014",
        "description": "Seeds, pumpkin and squash seed kernels, dried",
        "food_group": "Nut and Seed Products",
        "nutrients": (559, 30.23, 49.05, 10.71, 6.0, 592, 46, 809, 7, 1233, 7.81, 8.82, 0),
        "phytate": 3066,
        "oxalate": 0,
        "portions": [(1, "cup", 129), (1, "oz", 28.35)],
    },
    {
        "code": "08120",
        "description": "Cereals, oats, regular and quick, not fortified, dry",
        "food_group": "Breakfast Cereals",
        "nutrients": (379, 13.15, 6.52, 67.70, 10.1, 138, 52, 362, 6, 410, 3.64, 4.25, 0),
        "phytate": 0,
        "oxalate": 0,
        "portions": [(1, "cup", 81), (0.333, "cup", 27)],
    },
    {
        "code": "01077",
        "description": "Milk, whole, 3.25% milkfat, with added vitamin D",
        "food_group": "Dairy and Egg Products",
        "nutrients": (61, 3.15, 3.25, 4.80, 0, 10, 113, 132, 43, 84, 0.37, 0.03, 1.3),
        "phytate": 0,
        "oxalate": 0,
        "portions": [(1, "cup", 244), (1, "fl oz", 30.5), (1, "tbsp", 15)],
    },
    {
        "code": "11457",
        "description": "Spinach, raw",
        "food_group": "Vegetables and Vegetable Products",
        "nutrients": (23, 2.86, 0.39, 3.63, 2.2, 79, 99, 558, 79, 49, 0.53, 2.71, 0),
        "phytate": 0,
        "oxalate": 970,
        "portions": [(1, "cup", 30), (1, "leaf", 10)],
    },
    {
        "code": "09040",
        "description": "Bananas, raw",
        "food_group": "Fruits and Fruit Juices",
        "nutrients": (89, 1.09, 0.33, 22.84, 2.6, 27, 5, 358, 1, 22, 0.15, 0.26, 0),
        "phytate": 0,
        "oxalate": 0,
        "portions": [(1, "cup, sliced", 150), (1, 'medium (7" to 7-7/8" long)', 118)],
    },
    {
        "code": "12061",
        "description": "Nuts, almonds",
        "food_group": "Nut and Seed Products",
        "nutrients": (579, 21.15, 49.93, 21.55, 12.5, 270, 269, 733, 1, 481, 3.12, 3.71, 0),
        "phytate": 0,
        "oxalate": 0,
        "portions": [(1, "cup, whole", 143), (1, "oz (23 whole kernels)", 28.35)],
    },
    {
        "code": "16015",
        "description": "Beans, black, mature seeds, cooked, boiled, without salt",
        "food_group": "Legumes and Legume Products",
        "nutrients": (132, 8.86, 0.54, 23.71, 8.7, 70, 27, 355, 1, 140, 1.12, 2.10, 0),
        "phytate": 512,
        "oxalate": 0,
        "portions": [(1, "cup", 172)],
    },
    {
        "code": "20037",
        "description": "Rice, brown, long-grain, cooked",
        "food_group": "Cereal Grains and Pasta",
        "nutrients": (123, 2.74, 0.97, 25.58, 1.6, 39, 3, 86, 4, 103, 0.71, 0.56, 0),
        "phytate": 272,
        "oxalate": 0,
        "portions": [(1, "cup", 202)],
    },
    {
        "code": "11090",
        "description": "Broccoli, raw",
        "food_group": "Vegetables and Vegetable Products",
        "nutrients": (34, 2.82, 0.37, 6.64, 2.6, 21, 47, 316, 33, 66, 0.41, 0.73, 0),
        "phytate": 0,
        "oxalate": 0,
        "portions": [(1, "cup chopped", 91), (1, 'spear (about 5" long)', 31)],
    },
]


def load_browser_foods() -> dict[str, Food]:
    foods: dict[str, Food] = {}
    for row in FOODS:
        food = FoodFactory(
            source=FoodSource.USDA_SR28,
            code=row["code"],
            description=row["description"],
            food_group=row["food_group"],
            phytate_mg_per_100g=row["phytate"],
            phytate_basis=Basis.CITED if row["phytate"] else Basis.ESTIMATE,
            phytate_source="foods/data/curation" if row["phytate"] else "none known",
            oxalate_mg_per_100g=row["oxalate"],
            oxalate_basis=Basis.CITED if row["oxalate"] else Basis.ESTIMATE,
            oxalate_source="foods/data/curation" if row["oxalate"] else "none known",
            **dict(zip(NUTRIENT_FIELDS, row["nutrients"], strict=True)),
        )
        for seq, (amount, unit, grams) in enumerate(row["portions"], start=1):
            PortionFactory(food=food, seq=seq, amount=Decimal(str(amount)), unit=unit, grams=grams)
        foods[row["code"]] = food
    return foods


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django
    # refuse ORM calls from the test body; the calls are in fact synchronous, so allow them
    # while the browser is up and restore the setting for the tests that follow.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_foods(transactional_db) -> dict[str, Food]:
    return load_browser_foods()


# Every page reports a Content-Security-Policy violation on the console; the init script
# also reports the DOM's securitypolicyviolation events (some violations log nothing).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def context(browser, live_server, transactional_db) -> Iterator[object]:
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(5_000)
    violations: list[str] = []
    ctx.add_init_script(CSP_REPORTER)
    ctx.on(
        "console",
        lambda message: (
            violations.append(f"{message.page.url if message.page else ''}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield ctx
    ctx.close()
    assert not violations, "CSP violations in the browser console:\n" + "\n".join(violations)


@pytest.fixture
def page(context) -> object:
    return context.new_page()


@pytest.fixture
def person(transactional_db) -> User:
    """An onboarded woman of 34 (target 320 mg)."""
    return ProfileFactory(user__display_name="Ada").user


def log_in(context, user: User, base_url: str) -> None:
    """Share a server-side session with the browser, skipping the log-in form."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": base_url,
            }
        ]
    )


@pytest.fixture
def person_page(context, live_server, person, browser_foods) -> object:
    """A logged-in page for `person`, with the test foods loaded."""
    log_in(context, person, live_server.url)
    return context.new_page()


@pytest.fixture
def phone_page(browser, live_server, person, browser_foods) -> Iterator[object]:
    """`person_page` on a phone: 375 px wide, the narrowest screen the layout is checked at."""
    ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, is_mobile=True
    )
    ctx.set_default_timeout(5_000)
    log_in(ctx, person, live_server.url)
    yield ctx.new_page()
    ctx.close()


def assert_no_sideways_scroll(page) -> None:
    """Nothing on the page is wider than the screen (the page does not scroll sideways)."""
    content, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert content <= screen, f"horizontal scroll: content {content} px in {screen}"
