"""Keyboard use the planner tests do not cover: picking a recipe ingredient, and Enter in the
day page's food search with no option highlighted."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import recipe_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALMONDS = "Nuts, almonds"
PUMPKIN = "Seeds, pumpkin and squash seed kernels, dried"


def tab_to(page, locator, limit: int = 60) -> None:
    """Press Tab until `locator` has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError("Tab never reached the element")


def test_picking_a_recipe_ingredient_by_keyboard_focuses_its_grams(
    person_page, person, browser_foods
):
    page = person_page
    recipe = recipe_services.recipe_create(owner=person, name="Almond snack", servings=1)
    page.goto(f"/recipes/{recipe.pk}/")

    search = page.get_by_role("searchbox", name="Add a food")
    tab_to(page, search)
    page.keyboard.type("almonds", delay=20)
    page.keyboard.press("Enter")
    result = page.get_by_role("link", name=ALMONDS)
    expect(result).to_be_visible()
    expect(search).to_be_focused()

    tab_to(page, result)
    page.keyboard.press("Enter")
    # The swap replaces the recipe body: focus goes to the grams of the amount form, not <body>.
    grams = page.locator("#ing-grams")
    expect(grams).to_be_focused()
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    expect(page.get_by_role("row", name=re.compile(ALMONDS))).to_be_visible()
    expect(page.get_by_role("searchbox", name="Add a food")).to_be_focused()


def test_enter_in_the_food_search_with_no_option_highlighted_stays_on_the_page(
    person_page, browser_foods
):
    page = person_page
    day_url = f"/plan/day/{timezone.localdate().isoformat()}/"
    page.goto(day_url)
    search = page.get_by_role("combobox", name="Add food to Breakfast")
    listbox = page.get_by_role("listbox", name="Foods for Breakfast")
    search.click()
    search.press_sequentially("pumpkin", delay=20)
    expect(listbox.get_by_role("option").first).to_contain_text(PUMPKIN)
    expect(search).not_to_have_attribute("aria-activedescendant", re.compile("."))
    page.evaluate("window.samePage = true")

    # Enter highlights the first option (it accepts only an option the person has seen);
    # focus stays in the box and the page is not reloaded.
    search.press("Enter")
    expect(search).to_have_attribute("aria-activedescendant", re.compile("^option-"))
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(first).to_contain_text(PUMPKIN)
    expect(search).to_be_focused()
    assert page.evaluate("window.samePage") is True
    assert page.url.endswith(day_url)

    # A second Enter accepts it, as Enter on an option the arrow keys reached does.
    search.press("Enter")
    expect(page.locator("#day-meals .add-form input.input-grams")).to_be_focused()
    expect(page.locator("#day-meals .add-form .picked")).to_contain_text(f"Adding {PUMPKIN}")
    assert page.evaluate("window.samePage") is True


def test_enter_reopens_a_dismissed_list_and_waits_for_fresh_results(person_page, browser_foods):
    page = person_page
    page.goto(f"/plan/day/{timezone.localdate().isoformat()}/")
    search = page.get_by_role("combobox", name="Add food to Breakfast")
    listbox = page.get_by_role("listbox", name="Foods for Breakfast")
    search.click()
    search.press_sequentially("pumpkin", delay=20)
    expect(listbox.get_by_role("option").first).to_contain_text(PUMPKIN)
    page.evaluate("window.samePage = true")

    # Escape closed the list: Enter shows the results again, the first one highlighted.
    search.press("Escape")
    expect(listbox).to_be_hidden()
    search.press("Enter")
    expect(listbox).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")

    # Typed text and Enter at once: the Enter waits for the results of the new text.
    search.fill("")
    search.press_sequentially("almonds", delay=0)
    search.press("Enter")
    active = page.locator('#day-meals [role="option"][aria-selected="true"]')
    expect(active).to_contain_text(ALMONDS)
    expect(search).to_be_focused()
    assert page.evaluate("window.samePage") is True

    # No food matches: Enter leaves the "No food matches" status where it is, no reload.
    search.fill("zzzz")
    expect(page.get_by_role("status").filter(has_text="No food matches")).to_be_visible()
    search.press("Enter")
    expect(search).to_be_focused()
    expect(search).to_have_value("zzzz")
    assert page.evaluate("window.samePage") is True
