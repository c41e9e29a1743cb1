"""Where focus goes after htmx swaps a QA pass found wrong: a live read that moved it (the
supplement log's conversion), refused meal names not tied to their field, swaps that dropped
it to the top of the page, and the add-food list left open after focus left it."""

import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import services
from plans.models import MealTemplate, SupplementProduct
from plans.selectors import day_get_for
from tests.browser.conftest import log_in
from tests.browser.test_planner import PUMPKIN, plan_day
from tests.factories import (
    DietitianFactory,
    DietitianLinkFactory,
    FoodFactory,
    MealTemplateFactory,
    MealTemplateItemFactory,
    SupplementProductFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _day_url() -> str:
    return f"/plan/day/{timezone.localdate().isoformat()}/"


def test_typing_a_supplement_amount_slowly_keeps_every_key_in_the_field(phone_page):
    page = phone_page
    page.goto(_day_url())
    page.get_by_text("Log a supplement from its label").click()
    form = page.get_by_label("Magnesium form")
    form.focus()
    # Each change asks for the conversion (a read): the answer leaves focus where it is.
    with page.expect_response(re.compile("/supplements/convert/")):
        form.select_option("citrate")
    page.wait_for_timeout(100)  # the swap settles after the response
    expect(form).to_be_focused()

    amount = page.get_by_label("Magnesium on the label (mg)")
    amount.focus()
    # Pauses longer than the 300 ms the conversion waits for: each one fetches it.
    amount.press_sequentially("120", delay=400)
    conversion = page.locator("#supplement-conversion")
    expect(conversion).to_contain_text("120 mg")
    expect(amount).to_have_value("120")
    expect(amount).to_be_focused()
    expect(page.locator("#day-supplements-title")).not_to_be_focused()


def test_a_refused_meal_name_takes_focus_and_names_its_error(person_page, person):
    page = person_page
    page.goto(_day_url())
    lunch = page.locator("section.meal", has=page.get_by_role("heading", name="Lunch"))
    lunch.get_by_text("Rename").click()
    name = page.get_by_label("New name for Lunch")
    name.fill("Breakfast")
    name.press("Enter")
    # Focus goes to the refused field, not the Lunch heading; the field names its error.
    name = page.get_by_label("New name for Lunch")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    error_id = name.get_attribute("aria-describedby")
    expect(page.locator(f"#{error_id}")).to_contain_text("There is already a meal called")
    expect(name).to_have_value("Breakfast")

    new_meal = page.get_by_label("New meal")
    new_meal.fill("lunch")
    new_meal.press("Enter")
    new_meal = page.get_by_label("New meal")
    expect(new_meal).to_be_focused()
    expect(new_meal).to_have_attribute("aria-invalid", "true")
    error_id = new_meal.get_attribute("aria-describedby")
    expect(page.locator(f"#{error_id}")).to_contain_text("There is already a meal called")
    meals = day_get_for(user=person, on=timezone.localdate()).meals.all()
    assert [meal.name for meal in meals] == ["Breakfast", "Lunch", "Dinner", "Snacks"]


def test_show_more_foods_focuses_the_first_new_row(phone_page):
    page = phone_page
    FoodFactory.create_batch(30, magnesium_mg_per_100g=900.0)
    page.goto("/foods/")
    rows = page.locator("#food-results tbody tr:not(#food-more)")
    expect(rows).to_have_count(30)
    more = page.get_by_role("link", name=re.compile("^Show more"))
    more.focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(39)
    first_new = rows.nth(30).get_by_role("link")
    expect(first_new).to_be_focused()
    expect(first_new).to_be_in_viewport()


def test_deleting_a_meal_template_keeps_focus_on_the_page(person_page, person, browser_foods):
    page = person_page
    for name in ("Oat breakfast", "Seed snack"):
        template = MealTemplateFactory(owner=person, name=name)
        MealTemplateItemFactory(template=template, food=browser_foods["12014"])
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/plan/templates/")
    page.get_by_role("button", name="Delete Seed snack").click()
    expect(page.get_by_text("Seed snack")).to_have_count(0)
    expect(page.get_by_role("heading", name="Meal templates")).to_be_focused()
    assert list(MealTemplate.objects.values_list("name", flat=True)) == ["Oat breakfast"]


def test_removing_a_saved_supplement_keeps_focus_on_the_page(person_page, person):
    page = person_page
    SupplementProductFactory(owner=person, name="Mag citrate")
    SupplementProductFactory(owner=person, name="Mag glycinate")
    page.goto("/plan/supplements/")
    page.get_by_role("button", name=re.compile(r"^Remove from my list\W+Mag citrate$")).click()
    expect(page.get_by_text("Mag citrate")).to_have_count(0)
    expect(page.get_by_role("heading", name="My supplements")).to_be_focused()
    assert SupplementProduct.objects.get(name="Mag citrate").archived


@pytest.fixture
def dietitian_tools(browser, live_server, person, browser_foods) -> Iterator[object]:
    """The dietitian's tools page for `person`, on a phone, with one day template."""
    dietitian = DietitianFactory(display_name="Dr Dee")
    DietitianLinkFactory(dietitian=dietitian, client=person)
    today = timezone.localdate()
    plan_day(person, today, [("Lunch", browser_foods["12014"], 30)])
    services.day_template_save(
        source=day_get_for(user=person, on=today), name="Seed day", owner=dietitian
    )
    ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, is_mobile=True
    )
    ctx.set_default_timeout(5_000)
    log_in(ctx, dietitian, live_server.url)
    page = ctx.new_page()
    page.goto(f"/clients/{person.pk}/tools/")
    yield page
    ctx.close()


def test_setting_a_clients_target_keeps_focus_in_its_panel(dietitian_tools):
    page = dietitian_tools
    panel = page.locator("#target-panel")
    panel.get_by_label(re.compile("^Target")).fill("380")
    # Spaces pass the browser's check of a required field; the server refuses them.
    reason = panel.get_by_label(re.compile("^Reason"))
    reason.fill("   ")
    panel.get_by_role("button", name="Set the target").click()
    reason = panel.get_by_label(re.compile("^Reason"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()

    reason.fill("Migraine prevention")
    panel.get_by_role("button", name="Set the target").click()
    now, title = page.locator("#current-target"), page.locator("#target-title")
    expect(now).to_contain_text("380 mg")
    expect(title).to_be_focused()

    # The button that took focus is gone after this one: focus still stays in the panel.
    panel.get_by_role("button", name="Back to the RDA").click()
    expect(now).to_contain_text("RDA")
    expect(title).to_be_focused()


def test_copying_a_template_into_the_plan_keeps_focus_in_its_panel(dietitian_tools):
    page = dietitian_tools
    panel = page.locator("#templates-panel")
    start = panel.get_by_label("From", exact=True)
    start.fill("1900-01-01")  # before the client's date of birth: refused
    panel.get_by_role("button", name=re.compile("^Copy into")).click()
    start = panel.get_by_label("From", exact=True)
    expect(start).to_have_attribute("aria-invalid", "true")
    expect(start).to_be_focused()

    start.fill(timezone.localdate().isoformat())
    panel.get_by_role("button", name=re.compile("^Copy into")).click()
    done = page.locator("#templates-done")
    expect(done).to_contain_text("Seed day")
    expect(done).to_be_focused()


def test_suggest_for_a_meal_moves_focus_to_the_suggestions(phone_page, person, browser_foods):
    page = phone_page
    plan_day(person, timezone.localdate(), [("Lunch", browser_foods["16015"], 172)])
    page.goto(_day_url())
    page.get_by_role("link", name=re.compile(r"^Suggest for this meal\W+Lunch$")).click()
    title = page.locator("#day-suggestions-title")
    expect(title).to_contain_text("Lunch")
    expect(title).to_be_focused()
    expect(title).to_be_in_viewport()

    page.get_by_role("link", name="Suggestions for the whole day").click()
    expect(title).not_to_contain_text("Lunch")
    expect(title).to_be_focused()


def test_the_food_list_closes_when_focus_leaves_the_box(person_page, browser_foods):
    page = person_page
    page.goto(_day_url())
    search = page.get_by_role("combobox", name="Add food to Breakfast")
    listbox = page.get_by_role("listbox", name="Foods for Breakfast")

    # Tab away: the list closes.
    search.click()
    search.press_sequentially("pumpkin", delay=20)
    expect(listbox.get_by_role("option").first).to_contain_text(PUMPKIN)
    expect(search).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()

    # Back in the box, the arrow keys open it again and Enter picks.
    page.keyboard.press("Shift+Tab")
    expect(search).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(search).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(page.locator("#day-meals .add-form input.input-grams")).to_be_focused()

    # A click elsewhere closes it.
    lunch_search = page.get_by_role("combobox", name="Add food to Lunch")
    lunch_list = page.get_by_role("listbox", name="Foods for Lunch")
    lunch_search.click()
    lunch_search.press_sequentially("almonds", delay=20)
    expect(lunch_list.get_by_role("option").first).to_contain_text("Nuts, almonds")
    page.locator("h1").click()
    expect(lunch_search).to_have_attribute("aria-expanded", "false")
    expect(lunch_list).to_be_hidden()

    # Results still on their way when focus left arrive closed.
    lunch_search.fill("")
    lunch_search.press_sequentially("spin", delay=0)
    page.locator("h1").click()
    results = page.locator("#results-" + lunch_search.get_attribute("id").removeprefix("q-"))
    expect(results).to_have_attribute("data-query", "spin")
    expect(results.locator('[role="option"]').first).to_contain_text("Spinach, raw")
    expect(lunch_search).to_have_attribute("aria-expanded", "false")
    expect(lunch_list).to_be_hidden()

    # Typing opens it again, and a click on an option still picks it.
    lunch_search.click()
    lunch_search.fill("")
    lunch_search.press_sequentially("spinach", delay=20)
    option = lunch_list.get_by_role("option").first
    expect(option).to_contain_text("Spinach, raw")
    option.click()
    lunch = page.locator("section.meal", has=page.get_by_role("heading", name="Lunch"))
    expect(lunch.locator(".add-form .picked")).to_contain_text("Adding Spinach, raw")
    expect(lunch.locator(".add-form input.input-grams")).to_be_focused()
    expect(lunch_search).to_have_attribute("aria-expanded", "false")


def test_a_refused_note_takes_focus_at_its_field(dietitian_tools, person):
    page = dietitian_tools
    page.goto(f"/clients/{person.pk}/day/{timezone.localdate().isoformat()}/")
    notes = page.locator("#dietitian-notes")
    # Spaces pass the browser's check of a required field; the server refuses them.
    notes.get_by_label("Note").fill("   ")
    notes.get_by_role("button", name="Add note").click()
    text = page.locator("#dietitian-notes").get_by_label("Note")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_be_focused()

    text.fill("Try pumpkin seeds at breakfast.")
    page.locator("#dietitian-notes").get_by_role("button", name="Add note").click()
    expect(page.locator("#dietitian-notes")).to_contain_text("Try pumpkin seeds")
    expect(page.locator("#dietitian-notes-title")).to_be_focused()
