"""Two tabs on one day: "Edit" on a row the other tab deleted brings the reload prompt (not a
click that does nothing), and notes typed in one tab survive a change made in the other."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import services
from plans.selectors import day_get_for
from tests.browser.axe import blocking_violations
from tests.browser.test_planner import PUMPKIN, plan_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _breakfast(page):
    return page.locator("section.meal", has=page.get_by_role("heading", name="Breakfast"))


def test_edit_on_a_row_deleted_in_another_tab_shows_the_reload_prompt(
    context, person_page, person, browser_foods
):
    today = timezone.localdate()
    plan_day(person, today, [("Breakfast", browser_foods["12014"], 30)])
    url = f"/plan/day/{today.isoformat()}/"
    tab_a, tab_b = person_page, context.new_page()
    tab_a.goto(url)
    tab_b.goto(url)

    _breakfast(tab_b).get_by_role("button", name=f"Delete {PUMPKIN}").click()
    expect(_breakfast(tab_b).get_by_role("link", name=f"Edit {PUMPKIN}")).to_have_count(0)

    _breakfast(tab_a).get_by_role("link", name=f"Edit {PUMPKIN}").click()
    prompt = tab_a.locator("#conflict-prompt")
    expect(prompt).to_contain_text("This day was changed in another tab or by your dietitian")
    expect(prompt).to_be_focused()
    # The meals on screen stay as they were until the person reloads.
    expect(_breakfast(tab_a).get_by_role("link", name=f"Edit {PUMPKIN}")).to_have_count(1)
    prompt.get_by_role("link", name="Reload the day").click()
    expect(_breakfast(tab_a).get_by_role("link", name=f"Edit {PUMPKIN}")).to_have_count(0)
    expect(tab_a.locator("#conflict-prompt")).to_have_count(0)


def test_notes_typed_in_one_tab_survive_the_other_tabs_changes(
    context, person_page, person, browser_foods
):
    today = timezone.localdate()
    plan_day(person, today, [("Breakfast", browser_foods["12014"], 30)])
    url = f"/plan/day/{today.isoformat()}/"
    tab_a, tab_b = person_page, context.new_page()
    tab_a.goto(url)
    tab_b.goto(url)
    notes_a = tab_a.get_by_label("Notes for this day")
    notes_b = tab_b.get_by_label("Notes for this day")

    # A starts typing; B changes the meals meanwhile; A's notes still save.
    notes_a.fill("Slept badly.")
    _breakfast(tab_b).get_by_role("button", name=f"Delete {PUMPKIN}").click()
    expect(_breakfast(tab_b).get_by_role("link", name=f"Edit {PUMPKIN}")).to_have_count(0)
    tab_a.get_by_role("button", name="Save notes").click()
    expect(tab_a.locator("#day-notes").get_by_role("status")).to_have_text("Saved.")
    expect(tab_a.locator("#conflict-prompt")).to_have_count(0)
    expect(notes_a).to_have_value("Slept badly.")
    assert day_get_for(user=person, on=today).notes == "Slept badly."

    # B, which still shows the notes empty, saves its own: both texts are shown, B's kept.
    notes_b.fill("Magnesium with dinner.")
    tab_b.get_by_role("button", name="Save notes").click()
    expect(tab_b.locator("#day-notes")).to_contain_text("these notes were changed in another tab")
    expect(tab_b.locator("#day-notes-stored")).to_contain_text("Slept badly.")
    expect(notes_b).to_have_value("Magnesium with dinner.")
    expect(notes_b).to_be_focused()
    assert blocking_violations(tab_b) == []
    assert day_get_for(user=person, on=today).notes == "Slept badly."

    notes_b.fill("Slept badly.\nMagnesium with dinner.")
    tab_b.get_by_role("button", name="Save notes").click()
    expect(tab_b.locator("#day-notes").get_by_role("status")).to_have_text("Saved.")
    expect(tab_b.locator("#day-notes-stored")).to_have_count(0)
    assert day_get_for(user=person, on=today).notes == "Slept badly.\nMagnesium with dinner."


def test_edit_on_a_row_a_day_copy_replaced_shows_the_reload_prompt(
    context, person_page, person, browser_foods
):
    """A copy replaces the day's rows for good; the page's version, sent with the Edit
    (day_version.js), is what tells the server the page is stale."""
    today = timezone.localdate()
    other = today - timedelta(days=1)
    plan_day(person, today, [("Breakfast", browser_foods["12014"], 30)])
    plan_day(person, other, [("Lunch", browser_foods["12014"], 10)])
    person_page.goto(f"/plan/day/{today.isoformat()}/")

    source = day_get_for(user=person, on=other)
    services.day_copy(source=source, dates=[today], mode="replace", editor=person)

    _breakfast(person_page).get_by_role("link", name=f"Edit {PUMPKIN}").click()
    prompt = person_page.locator("#conflict-prompt")
    expect(prompt).to_contain_text("This day was changed in another tab or by your dietitian")
    expect(prompt).to_be_focused()


def test_a_stale_rename_leaves_focus_on_the_reload_prompt(
    context, person_page, person, browser_foods
):
    """The rename form asks for focus on its meal's heading after a swap; refused as stale
    (409), the answer goes to the prompt, and focus stays there."""
    today = timezone.localdate()
    plan_day(person, today, [("Breakfast", browser_foods["12014"], 30)])
    url = f"/plan/day/{today.isoformat()}/"
    tab_a, tab_b = person_page, context.new_page()
    tab_a.goto(url)
    tab_b.goto(url)
    _breakfast(tab_b).get_by_role("button", name=f"Delete {PUMPKIN}").click()
    expect(_breakfast(tab_b).get_by_role("link", name=f"Edit {PUMPKIN}")).to_have_count(0)

    lunch = tab_a.locator("section.meal", has=tab_a.get_by_role("heading", name="Lunch"))
    lunch.locator("summary", has_text="Rename").click()
    box = lunch.get_by_label("New name for Lunch")
    box.fill("Late lunch")
    box.press("Enter")
    prompt = tab_a.locator("#conflict-prompt")
    expect(prompt).to_contain_text("This day was changed in another tab or by your dietitian")
    expect(prompt).to_be_focused()


def test_a_write_to_a_day_now_outside_the_plan_says_why_in_the_conflict_region(
    person_page, person, browser_foods
):
    """The date of birth corrected in another tab puts this open day before the first
    birthday: a Delete is refused (422) with the reason, focused, and the meals stay."""
    today = timezone.localdate()
    plan_day(person, today, [("Breakfast", browser_foods["12014"], 30)])
    person_page.goto(f"/plan/day/{today.isoformat()}/")
    person.profile.date_of_birth = today - timedelta(days=200)
    person.profile.save(update_fields=["date_of_birth"])

    _breakfast(person_page).get_by_role("button", name=f"Delete {PUMPKIN}").click()
    box = person_page.locator("#day-conflict #date-problem")
    expect(box).to_contain_text("Plans start on your first birthday")
    expect(box).to_be_focused()
    expect(_breakfast(person_page).get_by_role("link", name=f"Edit {PUMPKIN}")).to_have_count(1)
