"""Editing an item on the day page: the form is loaded on demand (htmx), or opened by the
"Edit" link's page without JavaScript."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.models import MealItem
from tests.browser.axe import blocking_violations
from tests.browser.test_planner import PUMPKIN, effective_mg, plan_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_edit_an_item_with_htmx(person_page, person, browser_foods):
    page = person_page
    today = timezone.localdate()
    plan_day(
        person,
        today,
        [("Breakfast", browser_foods["12014"], 30), ("Lunch", browser_foods["16015"], 172)],
    )
    page.goto(f"/plan/day/{today.isoformat()}/")
    before = effective_mg(page)
    breakfast = page.locator("section.meal", has=page.get_by_role("heading", name="Breakfast"))
    lunch = page.locator("section.meal", has=page.get_by_role("heading", name="Lunch"))
    assert breakfast.get_by_label("Grams").count() == 0  # no form until asked for

    breakfast.get_by_role("link", name=f"Edit {PUMPKIN}").click()
    grams = breakfast.get_by_label("Grams")
    expect(grams).to_be_focused()
    expect(grams).to_have_value("30")
    assert blocking_violations(page) == []
    breakfast.get_by_role("link", name="Cancel").click()
    expect(breakfast.get_by_label("Grams")).to_have_count(0)
    expect(breakfast.get_by_role("link", name=f"Edit {PUMPKIN}")).to_be_focused()

    breakfast.get_by_role("link", name=f"Edit {PUMPKIN}").click()
    expect(breakfast.get_by_label("Grams")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("60")
    page.keyboard.press("Enter")
    expect(breakfast.locator(".item-amount")).to_have_text("60 g")
    expect(breakfast.get_by_role("link", name=f"Edit {PUMPKIN}")).to_be_focused()
    expect(page.locator("#gauge-text strong").first).not_to_have_text(f"{before:,.0f} mg")
    assert effective_mg(page) > before
    # Screen readers hear one sentence (a live region that stays), not the whole panel.
    expect(page.locator("#score-announce")).to_contain_text("mg effective")
    expect(page.locator("#score-announce")).to_contain_text("Score now ")
    # Lunch was not re-rendered; its figure, sent out of band, is what a fresh page says.
    lunch_after = lunch.locator(".meal-mg").inner_text()
    page.reload()
    expect(lunch.locator(".meal-mg")).to_have_text(lunch_after)
    assert MealItem.objects.get(meal__name="Breakfast").grams == 60


def test_edit_an_item_without_javascript(browser, live_server, person, browser_foods):
    from tests.browser.conftest import log_in

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        log_in(context, person, live_server.url)
        page = context.new_page()
        today = timezone.localdate()
        plan_day(person, today, [("Dinner", browser_foods["12014"], 30)])
        page.goto(f"/plan/day/{today.isoformat()}/")
        dinner = page.locator("section.meal", has=page.get_by_role("heading", name="Dinner"))
        dinner.get_by_role("link", name=f"Edit {PUMPKIN}").click()
        expect(page).to_have_url(re.compile(r"\?edit=\d+#meal-item-\d+$"))
        dinner.get_by_label("Grams").fill("45")
        dinner.get_by_role("button", name=f"Save {PUMPKIN}").click()
        expect(dinner.locator(".item-amount")).to_have_text("45 g")
        expect(dinner.get_by_label("Grams")).to_have_count(0)
        assert MealItem.objects.get(meal__name="Dinner").grams == 45
    finally:
        context.close()


def test_focus_stays_put_after_moving_a_meal_to_the_top_and_opening_suggestions(
    person_page, person, browser_foods
):
    page = person_page
    today = timezone.localdate()
    plan_day(person, today, [("Lunch", browser_foods["16015"], 172)])
    page.goto(f"/plan/day/{today.isoformat()}/")
    # Lunch is second: "Move up" makes it first, and that button is then disabled.
    page.get_by_role("button", name="Move up: Lunch").click()
    expect(page.locator("section.meal h2, section.meal h3").first).to_have_text(re.compile("Lunch"))
    expect(page.get_by_role("button", name="Move down: Lunch")).to_be_focused()

    page.get_by_role("button", name="Show suggestions").click()
    expect(page.locator("#day-suggestions-title")).to_be_focused()
