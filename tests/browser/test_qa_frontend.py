"""Front-end findings of a QA pass, each checked in a real browser: a double-clicked plain
form posts once, long meal names keep the day page inside a phone's screen, and Back and
Forward on a recipe page show what was saved since."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import services
from plans.models import MealItem, SupplementKind
from tests.browser.conftest import assert_no_sideways_scroll
from tests.factories import DietitianFactory, DietitianLinkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALMONDS = "Nuts, almonds"


def live_items(person, on) -> int:
    day = services.day_get_or_create(user=person, on=on)
    return MealItem.objects.filter(meal__day=day, deleted_at__isnull=True).count()


def test_double_clicking_copy_the_day_copies_it_once(
    person_page, person, browser_foods, monkeypatch
):
    page = person_page
    today = timezone.localdate()
    other = today + timedelta(days=1 if today.weekday() < 6 else -1)
    day = services.day_get_or_create(user=person, on=today)
    meals = {meal.name: meal for meal in day.meals.all()}
    for meal_name, code in (("Breakfast", "08120"), ("Lunch", "16015"), ("Dinner", "20037")):
        services.meal_item_add(
            meal=meals[meal_name], food=browser_foods[code], editor=person, grams=100
        )

    # The copy answers slowly (the live server runs in this process), so the second click
    # comes while the first post is on its way, as on a busy server: without the guard the
    # browser drops that post's answer and sends the form again, and both copies are made.
    copy = services.day_copy

    def slow_copy(**kwargs):
        copies = copy(**kwargs)
        time.sleep(0.6)
        return copies

    monkeypatch.setattr(services, "day_copy", slow_copy)
    page.goto(f"/plan/day/{today.isoformat()}/copy/")
    page.get_by_label(other.strftime("%a %-d %b")).check()
    page.get_by_label("Add to what those days already have").check()
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.get_by_role("button", name="Copy the day").dblclick(delay=100)

    copied = page.get_by_role("status").filter(has_text="Copied onto")
    expect(copied.first).to_be_visible(timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert live_items(person, other) == 3
    assert len(posts) == 1
    expect(copied).to_have_count(1)


def test_a_posted_form_takes_posts_again_when_back_forward_cache_brings_it_back(
    person_page, person, browser_foods
):
    # Playwright's Chromium keeps no page in a back/forward cache. Instead each post is
    # answered with a 204, so the browser stays on the page with its form sent, and the page
    # then gets the `pageshow` event (persisted) that such a cache fires when it brings one back.
    page = person_page
    today = timezone.localdate()
    services.day_get_or_create(user=person, on=today)
    page.goto(f"/plan/day/{today.isoformat()}/copy/")
    posts: list[str] = []

    def stay(route) -> None:
        posts.append(route.request.url)
        route.fulfill(status=204)

    page.route(
        "**/copy/",
        lambda route: stay(route) if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_label((today + timedelta(days=1)).strftime("%a %-d %b")).check()
    button = page.get_by_role("button", name="Copy the day")
    button.click()
    page.wait_for_timeout(300)
    button.click()
    page.wait_for_timeout(300)
    assert len(posts) == 1  # the form was sent and the page not left: a repeat is dropped
    page.evaluate(
        "() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
    )
    button.click()
    page.wait_for_timeout(300)
    assert len(posts) == 2


def test_a_cancelled_confirm_does_not_lock_its_plain_form(person_page, person, browser_foods):
    # app.js's data-confirm listener stops a cancelled submit before the double-submit guard
    # sees it, so "Cancel" then "OK" still posts (test_dietitian checks the question itself).
    link = DietitianLinkFactory(dietitian=DietitianFactory(display_name="Dr Dee"), client=person)
    page = person_page
    page.goto("/accounts/dietitians/")
    end_access = page.get_by_role("button", name="End Dr Dee's access")
    page.once("dialog", lambda dialog: dialog.dismiss())
    end_access.click()
    page.wait_for_timeout(300)  # a post, had one been sent, would have answered by now
    link.refresh_from_db()
    assert link.revoked_at is None

    page.once("dialog", lambda dialog: dialog.accept())
    end_access.click()
    expect(page.get_by_text("No dietitian can see your plan.")).to_be_visible()
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_day_with_a_long_meal_name_and_a_saved_supplement_fits_375_px(
    phone_page, person, browser_foods
):
    today = timezone.localdate()
    day = services.day_get_or_create(user=person, on=today)
    long_name = "Second breakfast with the neighbours before the longer walks"
    assert len(long_name) == 60  # the longest a meal's name may be
    meal = services.meal_add(day=day, name=long_name, editor=person)
    services.meal_item_add(meal=meal, food=browser_foods["12014"], editor=person, grams=30)
    services.supplement_product_create(
        owner=person, kind=SupplementKind.MAGNESIUM, form="citrate", amount_mg=200
    )
    page = phone_page
    page.goto(f"/plan/day/{today.isoformat()}/")
    panel = page.locator("#day-supplements")
    product_meal = panel.locator('select[name^="product-"][name$="-meal"]')
    expect(product_meal).to_have_count(1)
    expect(product_meal.locator("option", has_text=long_name)).to_have_count(1)
    assert_no_sideways_scroll(page)
    # The log form's "When" select, in its <details>, is laid out once that is open.
    panel.get_by_text("Log a supplement from its label").click()
    log_meal = panel.locator('select[name="supplement-meal"]')
    expect(log_meal).to_be_visible()
    expect(log_meal.locator("option", has_text=long_name)).to_have_count(1)
    assert_no_sideways_scroll(page)
    for select in (product_meal, log_meal):
        assert select.evaluate("el => el.getBoundingClientRect().right") <= 375


def test_back_and_forward_on_a_recipe_page_show_the_food_added(person_page, browser_foods):
    page = person_page
    page.goto("/recipes/")
    page.get_by_label("Name").fill("Almond snack")
    page.get_by_label("Servings it makes").fill("1")
    page.get_by_role("button", name="Create recipe").click()
    expect(page.get_by_text("No foods yet.")).to_be_visible()

    page.get_by_label("Add a food").fill("almonds")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"\?q=almonds"))
    page.get_by_role("link", name=ALMONDS).click()
    expect(page).to_have_url(re.compile(r"\?food=\d+"))
    page.locator("#ing-grams").fill("30")
    page.get_by_role("button", name="Add to the recipe").click()
    ingredients = page.locator("#ingredients")
    expect(ingredients.get_by_role("row", name=re.compile(re.escape(ALMONDS)))).to_be_visible()
    plate = page.locator("#serving-plate").inner_text()
    # No snapshot: htmx asks the server for each page it goes back or forward to.
    restores: list[str] = []
    page.on(
        "request",
        lambda request: (
            "hx-history-restore-request" in request.headers and restores.append(request.url)
        ),
    )

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?q=almonds"))
    expect(ingredients.get_by_role("row", name=re.compile(re.escape(ALMONDS)))).to_be_visible()
    expect(page.get_by_text("No foods yet.")).to_have_count(0)
    expect(page.locator("#serving-plate")).to_have_text(plate)

    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?food=\d+"))
    expect(ingredients.get_by_role("row", name=re.compile(re.escape(ALMONDS)))).to_be_visible()
    expect(page.get_by_text("No foods yet.")).to_have_count(0)
    expect(page.locator("#serving-plate")).to_have_text(plate)
    assert len(restores) == 2
    # The server answered with the whole page, of which htmx took the body: one of each.
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
