"""Layout, confirmation and focus findings of a QA pass, each checked in a real browser: edit
forms that fit a phone beside a long meal name, a shopping list that drops its old errors,
deletes that ask first, focus after a write, and the model page's scrolling tables."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import recipe_services, services
from plans.models import DayNote, DayTemplate, Recipe, SupplementKind, WeekTemplate
from tests.browser.axe import blocking_violations
from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.factories import DietitianFactory, DietitianLinkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALMONDS = "Nuts, almonds"
LONG_MEAL = "Post-workout snack after the long evening run by sea"


def right_edge(locator) -> float:
    return locator.evaluate("el => el.getBoundingClientRect().right")


# ---- 1. edit forms beside a long meal name, at 375 px ----


def long_meal_day(person, foods):
    """Today with a 52-character meal holding almonds, and a dose taken with that meal."""
    assert len(LONG_MEAL) == 52
    day = services.day_get_or_create(user=person, on=timezone.localdate())
    meal = services.meal_add(day=day, name=LONG_MEAL, editor=person)
    item = services.meal_item_add(meal=meal, food=foods["12061"], editor=person, grams=30)
    product = services.supplement_product_create(
        owner=person, kind=SupplementKind.MAGNESIUM, form="citrate", amount_mg=500
    )
    dose = services.supplement_dose_add(day=day, product=product, editor=person, meal=meal)
    return day, item, dose


def test_a_dose_edit_form_fits_375_px_beside_a_52_character_meal_name(
    phone_page, person, browser_foods
):
    day, _, dose = long_meal_day(person, browser_foods)
    page = phone_page
    page.goto(f"/plan/day/{day.date.isoformat()}/")
    page.locator(f"#dose-{dose.pk}-edit").click()
    editor = page.locator(f"#dose-{dose.pk} .item-editor")
    quantity = editor.get_by_label("Tablets, capsules or scoops")
    expect(quantity).to_be_focused()

    assert_no_sideways_scroll(page)
    # The "Taken" select lists "With <the long name>"; it, the amount and the basis labels
    # stay on the screen instead of being cut off at its edge.
    taken = editor.get_by_label(re.compile("^Taken"))
    expect(taken.locator("option", has_text=LONG_MEAL)).to_have_count(1)
    basis = editor.locator('input[name$="amount_basis"]').first.locator("xpath=..")
    for control in (
        editor,
        taken,
        editor.get_by_label(re.compile("^Magnesium on the label")),
        basis,
    ):
        assert right_edge(control) <= 375


def test_an_item_edit_form_fits_375_px_beside_a_52_character_meal_name(
    phone_page, person, browser_foods
):
    day, item, _ = long_meal_day(person, browser_foods)
    page = phone_page
    page.goto(f"/plan/day/{day.date.isoformat()}/")
    page.locator(f"#meal-item-{item.pk}-edit").click()
    editor = page.locator(f"#meal-item-{item.pk} .item-editor")
    expect(editor.locator(f"#item-{item.pk}-grams")).to_be_focused()
    assert_no_sideways_scroll(page)
    for control in (editor, editor.locator("select").first):
        assert right_edge(control) <= 375


# ---- 2. the shopping list after a refused range ----


def test_a_good_range_after_a_refused_one_clears_the_errors(person_page, person, browser_foods):
    page = person_page
    page.goto("/plan/shopping/")
    form = page.locator("#shopping-range")
    year = timezone.localdate().year
    page.get_by_label("From").fill(f"{year}-11-01")
    page.get_by_label("To").fill(f"{year}-12-31")
    page.get_by_role("button", name="Show").click()

    # Refused (422): the summary says why, and focus goes to it (not to <body>).
    summary = form.locator(".error-summary")
    expect(summary).to_contain_text("A shopping list covers at most 31 days.")
    expect(page.get_by_label("To")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#shopping-errors")).to_be_focused()

    page.get_by_label("From").fill(f"{year}-11-23")
    page.get_by_label("To").fill(f"{year}-11-29")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#shopping-list")).to_contain_text("23 November to 29 November")
    # The form is replaced too: no summary, no field error, no aria-invalid left behind.
    expect(form.locator(".error-summary")).to_have_count(0)
    expect(form.locator(".field-errors")).to_have_count(0)
    expect(form.locator('[aria-invalid="true"]')).to_have_count(0)
    expect(page.get_by_label("From")).to_have_value(f"{year}-11-23")
    # Focus stays on the button that showed the list (htmx finds it again by its id).
    expect(page.get_by_role("button", name="Show")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"start={year}-11-23&end={year}-11-29"))


# ---- 3. deletes ask first; focus after a write ----


def answer_dialogs(page, accept: bool) -> list:
    """Answer every confirm() with `answers[0]` (`accept` until the test changes it); the
    questions asked follow in the list, in order."""
    answers: list = [accept]

    def answer(dialog) -> None:
        answers.append(dialog.message)
        dialog.accept() if answers[0] else dialog.dismiss()

    page.on("dialog", answer)
    return answers


def test_deleting_a_recipe_asks_first(person_page, person, browser_foods):
    recipe = recipe_services.recipe_create(owner=person, name="Almond snack", servings=1)
    page = person_page
    page.goto(f"/recipes/{recipe.pk}/")
    answers = answer_dialogs(page, accept=False)
    page.get_by_role("button", name="Delete this recipe").click()
    page.wait_for_timeout(300)  # a post, had one been sent, would have answered by now
    assert answers[1:] == ["Delete the recipe Almond snack? This cannot be undone."]
    assert Recipe.objects.filter(pk=recipe.pk).exists()


def test_deleting_a_recipe_goes_ahead_when_confirmed(person_page, person, browser_foods):
    recipe = recipe_services.recipe_create(owner=person, name="Almond snack", servings=1)
    page = person_page
    page.goto(f"/recipes/{recipe.pk}/")
    answers = answer_dialogs(page, accept=True)
    page.get_by_role("button", name="Delete this recipe").click()
    expect(page).to_have_url(re.compile(r"/recipes/$"))
    assert answers[1:] == ["Delete the recipe Almond snack? This cannot be undone."]
    assert not Recipe.objects.filter(pk=recipe.pk).exists()


def test_removing_an_ingredient_focuses_the_status_message(person_page, person, browser_foods):
    recipe = recipe_services.recipe_create(owner=person, name="Almond snack", servings=1)
    recipe_services.recipe_ingredient_add(recipe=recipe, food=browser_foods["12061"], grams=30)
    page = person_page
    page.goto(f"/recipes/{recipe.pk}/")
    page.get_by_role("button", name=f"Remove {ALMONDS}").click()
    status = page.locator("#recipe-status")
    expect(status).to_be_visible()
    expect(status).to_be_focused()


@pytest.fixture
def dietitian_page(context, live_server, person):
    """A dietitian linked to `person`, logged in."""
    dietitian = DietitianFactory(display_name="Dr Dee")
    DietitianLinkFactory(dietitian=dietitian, client=person)
    log_in(context, dietitian, live_server.url)
    page = context.new_page()
    page.dietitian = dietitian
    return page


def test_deleting_a_day_or_week_template_asks_first(dietitian_page, person, browser_foods):
    page = dietitian_page
    dietitian = page.dietitian
    day = services.day_get_or_create(user=dietitian, on=timezone.localdate())
    breakfast = day.meals.get(name="Breakfast")
    services.meal_item_add(meal=breakfast, food=browser_foods["12061"], editor=dietitian, grams=30)
    services.day_template_save(source=day, name="Nutty day", owner=dietitian)
    services.week_template_save(
        plan=day.plan, week_start=day.date, name="Nutty week", owner=dietitian
    )
    page.goto("/clients/templates/")
    day_delete = page.get_by_role("button", name="Delete", description="Nutty day")
    week_delete = page.get_by_role("button", name="Delete", description="Nutty week")

    answers = answer_dialogs(page, accept=False)
    day_delete.click()
    week_delete.click()
    page.wait_for_timeout(300)
    assert answers[1:] == [
        "Delete the day template Nutty day? This cannot be undone.",
        "Delete the week template Nutty week? This cannot be undone.",
    ]
    assert DayTemplate.objects.filter(name="Nutty day").exists()
    assert WeekTemplate.objects.filter(name="Nutty week").exists()


def test_deleting_a_note_asks_first_and_focus_stays_in_the_notes(
    dietitian_page, person, browser_foods
):
    page = dietitian_page
    today = timezone.localdate()
    page.goto(f"/clients/{person.pk}/day/{today.isoformat()}/")
    notes = page.locator("#dietitian-notes")
    title = page.get_by_role("heading", name="Your notes on this day")

    # Adding a note swaps the panel: focus goes to its heading, not <body>.
    notes.get_by_label("Note").fill("Watch the oxalate.")
    notes.get_by_role("button", name="Add note").click()
    expect(notes.get_by_text("Watch the oxalate.")).to_be_visible()
    expect(title).to_be_focused()

    delete = notes.get_by_role("button", name=re.compile("^Delete note"))
    answers = answer_dialogs(page, accept=False)
    delete.click()
    page.wait_for_timeout(300)
    assert answers[1:] == [
        f"Delete your note of {today:%-d %b}, “Watch the oxalate.”? This cannot be undone."
    ]
    assert DayNote.objects.count() == 1

    answers[0] = True
    delete.click()
    expect(notes.get_by_text("Watch the oxalate.")).to_have_count(0)
    expect(title).to_be_focused()
    assert DayNote.objects.count() == 0


# ---- 4. the model page's tables, at 375 px ----


def test_the_model_page_at_375_px_has_no_serious_axe_violation(phone_page):
    page = phone_page
    page.goto("/model/")
    assert blocking_violations(page) == []
    assert_no_sideways_scroll(page)
    # The table that scrolls sideways at this width is a labelled region the keyboard
    # reaches (Tab) and scrolls (arrow keys).
    region = page.get_by_role("region", name="Pregnancy and breastfeeding (mg a day)")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).to_be_focused()
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=2_000)
