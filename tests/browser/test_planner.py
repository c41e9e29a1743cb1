"""The planner in a real browser: the whole first-use flow, keyboard-only use, a phone-sized
screen, the day page without JavaScript, and axe-core on the planning pages."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import services
from plans.models import MealItem
from tests.browser.axe import blocking_violations
from tests.browser.test_accounts import finish_wizard, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUMPKIN = "Seeds, pumpkin and squash seed kernels, dried"


def effective_mg(page) -> float:
    """The headline figure of the score panel ("123 mg effective of your 320 mg target")."""
    text = page.locator("#gauge-text strong").first.inner_text()
    return float(re.sub(r"[^\d.]", "", text))


def plan_day(person, on: date, items: list[tuple[str, object, float]]) -> None:
    """Put (meal name, food, grams) items on the person's day through the services."""
    day = services.day_get_or_create(user=person, on=on)
    meals = {meal.name: meal for meal in day.meals.all()}
    for meal_name, food, grams in items:
        services.meal_item_add(meal=meals[meal_name], food=food, editor=person, grams=grams)


def add_with_keyboard(page, meal: str, query: str, option_text: str) -> None:
    """Type in the meal's add-food box, arrow down to the option, Enter to pick it."""
    search = page.get_by_role("combobox", name=f"Add food to {meal}")
    search.click()
    search.press_sequentially(query, delay=20)
    listbox = page.get_by_role("listbox", name=f"Foods for {meal}")
    # Results for the typed text, not those the box showed on focus.
    expect(listbox.get_by_role("option", name=re.compile(re.escape(option_text)))).to_be_visible()
    options = listbox.get_by_role("option")
    for _ in range(options.count()):
        search.press("ArrowDown")
        active = page.locator('[role="option"][aria-selected="true"]')
        if option_text in active.inner_text():
            break
    else:
        raise AssertionError(f"no option reads {option_text!r}")
    search.press("Enter")


def test_sign_up_plan_a_day_copy_it_and_see_the_week(page, browser_foods):
    sign_up(page)
    finish_wizard(page)

    page.goto("/plan/")
    expect(page.get_by_role("heading", name=re.compile(r"^Week of"))).to_be_visible()
    page.get_by_role("link", name="Today", exact=True).click()
    today = timezone.localdate()
    expect(page).to_have_url(re.compile(rf"/plan/day/{today.isoformat()}/$"))
    before = effective_mg(page)

    add_with_keyboard(page, "Breakfast", "pumpkin", PUMPKIN)
    page.get_by_label("or a measure").select_option(label="1 oz (28.4 g)")
    page.get_by_label("How many").fill("1")
    page.get_by_role("button", name="Add to Breakfast").click()

    breakfast = page.locator("section.meal", has=page.get_by_role("heading", name="Breakfast"))
    expect(breakfast.locator(".meal-item")).to_contain_text(PUMPKIN)
    expect(breakfast.locator(".meal-item")).to_contain_text("1 × 1 oz (28.4 g)")
    expect(page.locator("#gauge-text")).not_to_contain_text(f"{before:.0f} mg effective")
    after = effective_mg(page)
    assert after > before

    # Copy the day to another day of the same week; the copy lands on that week's page,
    # which shows both days with the same score.
    other = today + timedelta(days=1 if today.weekday() < 6 else -1)
    page.get_by_role("link", name="Copy this day").click()
    page.get_by_label(other.strftime("%a %-d %b")).check()
    page.get_by_role("button", name="Copy the day").click()

    monday = today - timedelta(days=today.weekday())
    expect(page).to_have_url(re.compile(rf"/plan/week/{monday.isoformat()}/$"))
    expect(page.get_by_role("status").filter(has_text="Copied onto")).to_be_visible()
    for day in (today, other):
        entry = page.locator("li.week-day", has=page.locator(f'a[href$="/plan/day/{day}/"]'))
        expect(entry.locator(".week-day-percent")).to_have_text(re.compile(r"^\d+ %$"))
        expect(entry).to_contain_text(f"{after:.0f} of 320 mg")
    expect(page.locator(".week-average")).to_contain_text("over the 2 planned")


def test_add_food_by_keyboard_only(person_page, person, browser_foods):
    page = person_page
    today = timezone.localdate()
    # Eight foods other than pumpkin seeds: three eaten twice ("frequent"), five last ("recent").
    twice = [browser_foods[code] for code in ("20037", "11090", "16015")]
    once = [browser_foods[code] for code in ("08120", "01077", "11457", "09040", "12061")]
    plan_day(person, today, [("Lunch", food, 100) for food in twice + twice + once])
    page.goto(f"/plan/day/{today.isoformat()}/")

    # Tab from the top of the page to Breakfast's search box; no mouse from here on.
    target = page.get_by_role("combobox", name="Add food to Breakfast")
    for _ in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the Breakfast add-food box")
    # Focus opens the recent and frequent foods, more than the list shows at once. A list
    # that scrolls is a Tab stop in Chromium unless told otherwise; it must not be one (its
    # options are reached with the arrow keys). Tab goes to the Search button, which closes
    # the list (focus left the box and its list), and Shift+Tab comes straight back.
    listbox = page.get_by_role("listbox", name="Foods for Breakfast")
    expect(listbox.get_by_role("option")).to_have_count(8)
    assert listbox.evaluate("el => el.scrollHeight > el.clientHeight")
    expect(listbox).to_have_attribute("tabindex", "-1")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search").first).to_be_focused()
    expect(target).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Shift+Tab")
    expect(target).to_be_focused()

    page.keyboard.type("pumpkin", delay=20)
    expect(listbox.get_by_role("option").first).to_contain_text(PUMPKIN)
    expect(target).to_have_attribute("aria-expanded", "true")

    # Escape closes the list and keeps the text (Chromium's search box would clear it and
    # show the recent foods instead); ArrowDown opens the same results again.
    page.keyboard.press("Escape")
    expect(target).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    expect(target).to_have_value("pumpkin")
    page.keyboard.press("ArrowDown")
    expect(target).to_have_attribute("aria-expanded", "true")
    active_id = target.get_attribute("aria-activedescendant")
    assert active_id
    expect(page.locator(f"#{active_id}")).to_contain_text(PUMPKIN)
    page.keyboard.press("Enter")

    grams = page.locator("#day-meals .add-form input.input-grams")
    expect(grams).to_be_focused()
    # Picking closes the list: it no longer covers the amount form.
    expect(target).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    page.keyboard.type("30")
    page.keyboard.press("Enter")

    breakfast = page.locator("section.meal", has=page.get_by_role("heading", name="Breakfast"))
    expect(breakfast.locator(".meal-item")).to_contain_text("30 g")
    # Focus goes back to the search box, ready for the next food.
    expect(page.get_by_role("combobox", name="Add food to Breakfast")).to_be_focused()
    assert MealItem.objects.filter(meal__name="Breakfast", grams=30).count() == 1


def test_second_escape_clears_the_food_box_and_keeps_the_list_closed(
    person_page, person, browser_foods
):
    page = person_page
    today = timezone.localdate()
    plan_day(person, today, [("Lunch", browser_foods["20037"], 195)])
    page.goto(f"/plan/day/{today.isoformat()}/")

    search = page.get_by_role("combobox", name="Add food to Breakfast")
    search.click()
    search.press_sequentially("pumpkin", delay=20)
    listbox = page.get_by_role("listbox", name="Foods for Breakfast")
    expect(listbox.get_by_role("option").first).to_contain_text(PUMPKIN)
    search.press("Escape")
    expect(listbox).to_be_hidden()
    search.press("Escape")
    expect(search).to_have_value("")
    # The recent foods for the empty box arrive but stay closed until asked for.
    expect(page.locator(f"#results-{search.get_attribute('id')[2:]}")).to_have_attribute(
        "data-query", ""
    )
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option", name=re.compile("recent"))).to_be_visible()


def test_day_page_fits_a_375_px_screen(browser, live_server, person, browser_foods):
    from tests.browser.conftest import log_in

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, is_mobile=True
    )
    try:
        log_in(context, person, live_server.url)
        page = context.new_page()
        today = timezone.localdate()
        plan_day(
            person,
            today,
            [
                ("Breakfast", browser_foods["08120"], 40),
                ("Breakfast", browser_foods["12014"], 28.35),
                ("Lunch", browser_foods["16015"], 172),
                ("Dinner", browser_foods["09040"], 118),
            ],
        )
        page.goto(f"/plan/day/{today.isoformat()}/")
        expect(page.locator("#day-score")).to_be_visible()
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"horizontal scroll: content {widths[0]} px in {widths[1]}"
        page.get_by_role("combobox", name="Add food to Breakfast").fill("pumpkin")
        expect(page.get_by_role("listbox", name="Foods for Breakfast")).to_be_visible()
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= 375
        # The waterfall's figures keep their unit on their line ("−127.6 mg", not "−127.6 / mg").
        values = page.locator(".waterfall-value")
        expect(values.filter(has_text="−").first).to_be_visible()
        wrapped = values.evaluate_all(
            """els => els.filter(el => {
                const range = document.createRange();
                range.selectNodeContents(el);
                return range.getClientRects().length > 1;
            }).map(el => el.textContent)"""
        )
        assert wrapped == []
        # A meal named with one long word wraps instead of widening the page.
        day = services.day_get_or_create(user=person, on=today)
        meal = services.meal_add(
            day=day, name="Supercalifragilisticexpialidociousmagnesiumbreakfastextra", editor=person
        )
        services.meal_item_add(meal=meal, food=browser_foods["12014"], editor=person, grams=30)
        page.goto(f"/plan/day/{today.isoformat()}/")
        expect(page.locator("#day-score")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        # So does /model/, whose tables scroll inside their own box.
        page.goto("/model/")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_add_and_delete_without_javascript(browser, live_server, person, browser_foods):
    from tests.browser.conftest import log_in

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        log_in(context, person, live_server.url)
        page = context.new_page()
        today = timezone.localdate()
        page.goto(f"/plan/day/{today.isoformat()}/")
        before = effective_mg(page)

        breakfast = page.locator("section.meal", has=page.get_by_role("heading", name="Breakfast"))
        breakfast.get_by_role("combobox", name="Add food to Breakfast").fill("pumpkin")
        breakfast.get_by_role("button", name="Search").click()
        breakfast.get_by_role("option", name=re.compile(re.escape(PUMPKIN))).click()
        breakfast.get_by_label("Grams").fill("30")
        breakfast.get_by_role("button", name="Add to Breakfast").click()

        expect(breakfast.locator(".meal-item")).to_contain_text(PUMPKIN)
        assert effective_mg(page) > before
        item = MealItem.objects.get(meal__day__plan__owner=person, deleted_at__isnull=True)
        assert item.grams == 30

        breakfast.get_by_role("button", name=f"Delete {PUMPKIN}").click()
        expect(page.get_by_role("status").filter(has_text="Deleted")).to_be_visible()
        expect(breakfast.locator(".meal-item")).to_have_count(0)
        assert effective_mg(page) == before
        item.refresh_from_db()
        assert item.deleted_at is not None

        page.get_by_role("button", name="Undo").click()
        expect(breakfast.locator(".meal-item")).to_contain_text(PUMPKIN)
    finally:
        context.close()


def test_planning_and_food_pages_have_no_serious_axe_violations(person_page, person, browser_foods):
    page = person_page
    today = timezone.localdate()
    plan_day(
        person,
        today,
        [
            ("Breakfast", browser_foods["08120"], 40),
            ("Breakfast", browser_foods["01077"], 244),
            ("Lunch", browser_foods["11457"], 60),
            ("Snacks", browser_foods["12061"], 28.35),
        ],
    )
    monday = today - timedelta(days=today.weekday())
    problems: dict[str, list[str]] = {}

    page.goto(f"/plan/week/{monday.isoformat()}/")
    problems["week"] = blocking_violations(page)

    page.goto(f"/plan/day/{today.isoformat()}/")
    problems["day"] = blocking_violations(page)
    # The picker open with results, then the amount form of a picked food.
    page.get_by_role("combobox", name="Add food to Breakfast").fill("pumpkin")
    expect(page.get_by_role("listbox", name="Foods for Breakfast")).to_be_visible()
    problems["day, food results open"] = blocking_violations(page)
    page.get_by_role("option", name=re.compile(re.escape(PUMPKIN))).click()
    expect(page.get_by_role("button", name="Add to Breakfast")).to_be_visible()
    problems["day, amount form open"] = blocking_violations(page)

    # The planning pages one step away from the day (the supplement form is on the day page).
    page.goto(f"/plan/day/{today.isoformat()}/copy/")
    problems["copy day"] = blocking_violations(page)
    page.goto("/plan/supplements/")
    problems["my supplements"] = blocking_violations(page)
    page.goto("/plan/templates/")
    problems["meal templates"] = blocking_violations(page)

    page.goto("/foods/?q=pumpkin")
    problems["food search"] = blocking_violations(page)
    page.goto(f"/foods/{browser_foods['12014'].pk}/")
    problems["food detail"] = blocking_violations(page)

    page.goto("/accounts/profile/")
    problems["profile"] = blocking_violations(page)

    assert {name: found for name, found in problems.items() if found} == {}


def test_deleting_a_meal_template_asks_first(person_page, person, browser_foods):
    """htmx forms ask through the same data-confirm as plain ones (static/js/app.js): a
    "Cancel" sends nothing, an "OK" deletes in place."""
    from plans.models import MealTemplate
    from tests.factories import MealTemplateFactory

    template = MealTemplateFactory(owner=person, name="Seed breakfast")
    page = person_page
    page.goto("/plan/templates/")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    delete = page.get_by_role("button", name="Delete Seed breakfast")
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    delete.click()
    assert questions == ["Delete the template Seed breakfast?"]
    page.wait_for_timeout(300)  # a request, had one been sent, would have answered by now
    assert MealTemplate.objects.filter(pk=template.pk).exists()

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    delete.click()
    expect(page.get_by_text("No templates yet.")).to_be_visible()
    assert len(questions) == 2  # asked once per click, not by htmx as well
    assert not MealTemplate.objects.filter(pk=template.pk).exists()
