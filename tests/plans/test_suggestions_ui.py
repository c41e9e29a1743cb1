"""Suggestions on the day page (apply in one click, undo) and fill my day: views and services."""

import re
from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.selectors import person_on
from foods.values import grams_text
from plans import services
from plans.models import MealItem, SupplementDose
from plans.scoring import score_day, score_to_json
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    MealItemFactory,
    PortionFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
    sr28_foods,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_candidate_pool")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def foods():
    """Real SR28 codes of the curated lists, with their real per-100 g values."""
    return sr28_foods(
        "pumpkin", "chocolate", "milk_chocolate", "spinach", "kale", "beans", "almonds"
    )


def meal(day, name="Lunch"):
    return day.meals.get(name=name)


def url(name, day):
    return reverse(f"plans:{name}", args=[day.date.isoformat()])


def snapshot(user, day):
    """What "the day exactly" means: the live items and doses, and the engine's JSON."""
    fresh = day_get_for(user=user, on=day.date)
    profile = user.profile
    items = sorted(
        (m.name, i.pk, i.food.code, i.grams, i.preparation, i.position, i.portion_id)
        for m in fresh.ordered_meals
        for i in m.live_items
    )
    doses = sorted(
        (d.pk, d.product_id, str(d.quantity), d.meal_id, d.taken_at) for d in fresh.live_doses
    )
    score = score_to_json(score_day(day_to_engine(fresh, person_on(profile, day.date))))
    return items, doses, score


def panel(client, day, **query):
    return client.get(url("day_suggestions", day), query, **HTMX)


def suggestion_forms(html):
    """Every Apply form's hidden fields, in the panel's order."""
    forms = re.findall(
        r'<form method="post" action="[^"]*/suggestions/apply/".*?</form>', html, re.S
    )
    parsed = []
    for form in forms:
        fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
        fields.pop("csrfmiddlewaretoken", None)
        parsed.append(fields)
    return parsed


def first_form(client, day, kind):
    forms = suggestion_forms(panel(client, day).content.decode())
    return next(form for form in forms if form["kind"] == kind)


def undo_token(html):
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def test_day_page_does_not_compute_suggestions(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=40)
    html = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert 'id="show-suggestions"' in html
    assert "suggestion-gain" not in html
    assert "Suggest for this meal" in html


def test_panel_shows_gain_kcal_per_100kcal_and_why(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=40)
    response = panel(client, day)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="day-suggestions"' in html
    assert "suggestion-gain" in html
    assert "kcal" in html
    assert "Per 100 kcal" in html
    # The curated swap with its reason in words.
    assert "Chocolate, dark, 70-85% cacao solids" in html
    assert "cocoa solids" in html
    assert suggestion_forms(html)


def test_panel_for_one_meal_only_suggests_for_it(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=40)
    breakfast = meal(day, "Breakfast")
    html = panel(client, day, meal=breakfast.pk).content.decode()
    forms = suggestion_forms(html)
    assert forms
    assert {form["meal"] for form in forms} == {"Breakfast"}
    assert all(form["panel_meal"] == str(breakfast.pk) for form in forms)


def apply_and_undo(client, person, day, fields):
    before = snapshot(person, day)
    response = client.post(url("suggestion_apply", day), fields, **HTMX)
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    after = snapshot(person, day)
    assert after != before
    assert after[2]["effective_mg"] > before[2]["effective_mg"]
    assert 'id="suggestion-undo-button"' in html
    # The score panel and meals follow out of band.
    assert 'id="day-score"' in html
    assert 'id="day-meals"' in html
    token = undo_token(html)
    response = client.post(url("suggestion_undo", day), {"token": token}, **HTMX)
    assert response.status_code == 200
    assert snapshot(person, day) == before
    return after


def test_add_then_undo_restores_the_day_exactly(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=40)
    fields = next(
        f for f in suggestion_forms(panel(client, day).content.decode()) if f["kind"] == "add"
    )
    apply_and_undo(client, person, day, fields)


def test_replace_then_undo_restores_the_day_exactly(client, person, day, foods):
    item = MealItemFactory(meal=meal(day), food=foods["spinach"], grams=180, position=3)
    MealItemFactory(meal=meal(day), food=foods["beans"], grams=172, position=4)
    forms = suggestion_forms(panel(client, day).content.decode())
    fields = next(f for f in forms if f["kind"] == "replace" and f["food"] == "11233")
    assert fields["target_key"] == f"item-{item.pk}"
    after = apply_and_undo(client, person, day, fields)
    # Applied: kale took spinach's place (same position), spinach was soft-deleted.
    assert ("Lunch", item.pk, "11457", 180.0, "none", 3, None) not in after[0]
    assert any(entry[2] == "11233" and entry[5] == 3 for entry in after[0])


def test_a_replace_suggestion_names_the_food_it_takes_out(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["spinach"], grams=180, position=3)
    MealItemFactory(meal=meal(day), food=foods["beans"], grams=172, position=4)
    html = panel(client, day).content.decode()
    assert 'name="kind" value="replace"' in html
    spinach = foods["spinach"]
    assert f"instead of {spinach.description} in Lunch" in html
    assert f"instead of {spinach.code}" not in html  # the code is for `manage.py suggest`


def test_prepare_then_undo_restores_the_day_exactly(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["beans"], grams=100)
    forms = suggestion_forms(panel(client, day).content.decode())
    fields = next(f for f in forms if f["kind"] == "prepare")
    after = apply_and_undo(client, person, day, fields)
    assert after[0][0][4] == fields["preparation"]


def test_split_then_undo_restores_the_day_exactly(client, person, day, foods):
    product = SupplementProductFactory(owner=person, amount_mg=400, amount_basis="elemental")
    SupplementDoseFactory(day=day, product=product, meal=meal(day, "Breakfast"), quantity=1)
    forms = suggestion_forms(panel(client, day).content.decode())
    fields = next(f for f in forms if f["kind"] == "split")
    after = apply_and_undo(client, person, day, fields)
    quantities = sorted(entry[2] for entry in after[1])
    assert quantities == ["0.50", "0.50"]


def test_excluded_food_is_refused_and_nothing_changes(client, person, day, foods):
    profile = person.profile
    profile.exclusions = ["seeds"]
    profile.save()
    html = panel(client, day).content.decode()
    assert "12014" not in {f.get("food") for f in suggestion_forms(html)}
    before = snapshot(person, day)
    response = client.post(
        url("suggestion_apply", day),
        {"kind": "add", "meal": "Lunch", "food": "12014", "grams": "28.35"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "excluded" in response.content.decode()
    assert snapshot(person, day) == before


def test_stale_suggestion_is_refused_and_nothing_changes(client, person, day, foods):
    item = MealItemFactory(meal=meal(day), food=foods["spinach"], grams=180, position=3)
    MealItemFactory(meal=meal(day), food=foods["beans"], grams=172, position=4)
    forms = suggestion_forms(panel(client, day).content.decode())
    fields = next(
        f for f in forms if f["kind"] == "replace" and f["target_key"] == f"item-{item.pk}"
    )
    services.meal_item_delete(item=item, editor=person)  # deleted meanwhile (another tab)
    before = snapshot(person, day)
    response = client.post(url("suggestion_apply", day), fields, **HTMX)
    assert response.status_code == 422
    assert "no longer" in response.content.decode()
    assert "None" not in response.content.decode()  # not "'Lunch' no longer holds None"
    assert snapshot(person, day) == before


def test_unknown_food_is_refused(client, person, day, foods):
    before = snapshot(person, day)
    response = client.post(
        url("suggestion_apply", day),
        {"kind": "add", "meal": "Lunch", "food": "99999", "grams": "30"},
    )
    assert response.status_code == 422
    assert snapshot(person, day) == before


@pytest.mark.parametrize("grams", ["-5", "abc", "0", "5001"])
def test_a_bad_amount_is_refused_as_an_amount(client, person, day, foods, grams):
    before = snapshot(person, day)
    response = client.post(
        url("suggestion_apply", day),
        {"kind": "add", "meal": "Lunch", "food": "12014", "grams": grams},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The amount must be above 0 and at most 5,000 g." in html
    assert "not in the database" not in html
    assert snapshot(person, day) == before


def test_a_change_that_raises_a_warning_says_which(client, person, day, foods):
    services.supplement_log(day=day, editor=person, kind="calcium", calcium_mg=2400)
    before = snapshot(person, day)
    response = client.post(  # 1.5 kg of pumpkin seeds: the day's calcium passes 2,500 mg
        url("suggestion_apply", day),
        {"kind": "add", "meal": "Lunch", "food": "12014", "grams": "1500"},
        **HTMX,
    )
    assert response.status_code == 422
    html = " ".join(response.content.decode().split())
    assert "That change would raise a warning now: This day carries" in html
    assert "mg of calcium" in html
    assert snapshot(person, day) == before


def test_undo_is_refused_once_the_day_changed(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=40)
    fields = next(
        f for f in suggestion_forms(panel(client, day).content.decode()) if f["kind"] == "add"
    )
    html = client.post(url("suggestion_apply", day), fields, **HTMX).content.decode()
    token = undo_token(html)
    services.meal_add(day=day, name="Supper", editor=person)
    response = client.post(url("suggestion_undo", day), {"token": token}, **HTMX)
    assert response.status_code == 422
    assert "can no longer be undone" in response.content.decode()


def test_without_javascript_apply_redirects_and_undo_is_a_form(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=40)
    page = client.get(url("day_suggestions", day))
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    fields = next(f for f in suggestion_forms(page.content.decode()) if f["kind"] == "add")
    before = snapshot(person, day)
    response = client.post(url("suggestion_apply", day), fields)
    assert response.status_code == 302
    landing = client.get(response["Location"]).content.decode()
    assert 'id="suggestion-undo-button"' in landing
    token = undo_token(landing)
    response = client.post(url("suggestion_undo", day), {"token": token})
    assert response.status_code == 302
    assert snapshot(person, day) == before


# ---------------------------------------------------------------- fill my day


def test_fill_reaches_the_target_and_accept_adds_the_items(client, person, day, foods):
    MealItemFactory(meal=meal(day), food=foods["kale"], grams=50)
    page = client.get(url("fill", day))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Reaches your target" in html
    fields = dict(
        __import__("re").findall(
            r'name="([a-z0-9_-]+)" value="([^"]*)"', html.split('id="fill-accept"')[0]
        )
    )
    fields.pop("csrfmiddlewaretoken", None)
    count = int(fields["count"])
    assert count >= 1
    # Grams as every page writes a measure's: "60", "28.4", never "60.0" (foods.values.grams_text).
    grams = __import__("re").findall(r'data-label="Grams">([^<]*)<', html)
    assert len(grams) == count
    assert all(cell == grams_text(float(cell.replace(",", ""))) for cell in grams)
    before_items = MealItem.objects.filter(meal__day=day, deleted_at__isnull=True).count()
    response = client.post(url("fill_accept", day), fields)
    assert response.status_code == 302
    landing = client.get(response["Location"]).content.decode()
    assert f"Added {count} food" in landing
    assert MealItem.objects.filter(meal__day=day, deleted_at__isnull=True).count() == (
        before_items + count
    )
    after = snapshot(person, day)[2]
    assert after["effective_mg"] >= after["target_mg"] - 0.05


def test_a_read_only_dietitian_sees_fills_proposal_but_cannot_accept_it(client, person, day, foods):
    from tests.factories import DietitianLinkFactory

    MealItemFactory(meal=meal(day), food=foods["kale"], grams=50)
    link = DietitianLinkFactory(client=person, can_edit_plans=False)
    client.force_login(link.dietitian)
    on = day.date.isoformat()
    html = client.get(reverse("clients:fill", args=[person.pk, on])).content.decode()
    assert "Reaches " in html  # the proposal is shown
    assert f"Read-only: {person.name} has not allowed you to edit their plan." in html
    text = " ".join(html.replace("&#39;", "'").split())
    assert f"Fill {person.name}'s day" in text  # written about the client, not "my day"
    assert f"the foods {person.name} eats most" in text
    assert 'id="fill-accept"' not in html


def test_fill_reports_the_shortfall_when_out_of_reach(client, person, day, foods):
    profile = person.profile
    profile.kcal_goal = 200
    profile.save()
    MealItemFactory(meal=meal(day), food=foods["kale"], grams=50)
    html = client.get(url("fill", day)).content.decode()
    assert "cannot be reached" in html
    assert "within your kcal goal" in html
    assert "mg short" in html


def test_fill_on_a_day_already_over_the_kcal_goal_says_so(client, person, day, foods):
    profile = person.profile
    profile.kcal_goal = 800
    profile.save()
    MealItemFactory(meal=meal(day), food=foods["milk_chocolate"], grams=200)  # ~1,070 kcal
    html = " ".join(client.get(url("fill", day)).content.decode().split())
    assert "This day is already at or over your 800 kcal goal, so no food can be added." in html
    assert "mg short of your target" in html
    assert "portions of each food" not in html


def test_fill_respects_exclusions(client, person, day, foods):
    profile = person.profile
    profile.exclusions = ["seeds", "nuts"]
    profile.save()
    MealItemFactory(meal=meal(day), food=foods["kale"], grams=50)
    html = client.get(url("fill", day)).content.decode()
    assert "pumpkin" not in html.lower()
    assert "almonds" not in html.lower()


def test_fill_reject_changes_nothing_and_excluded_accept_is_refused(client, person, day, foods):
    profile = person.profile
    profile.exclusions = ["seeds"]
    profile.save()
    before = snapshot(person, day)
    html = client.get(url("fill", day)).content.decode()
    assert 'id="fill-reject"' in html  # a link back to the day: nothing is posted
    lunch = meal(day)
    response = client.post(
        url("fill_accept", day),
        {
            "count": "1",
            "meal-0": lunch.pk,
            "food-0": foods["pumpkin"].pk,
            "portion-0": "",
            "portions-0": "1",
            "grams-0": "28.35",
        },
    )
    assert response.status_code == 422
    assert snapshot(person, day) == before


def test_fill_accept_checks_the_proposal_in_queries_that_do_not_grow_with_its_lines(
    client, person, day, foods
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lunch = meal(day)
    ounce = PortionFactory(food=foods["pumpkin"])
    other_food_measure = PortionFactory(food=foods["kale"])

    def line(index, portion, portions="1"):
        return {
            f"meal-{index}": lunch.pk,
            f"food-{index}": foods["pumpkin"].pk,
            f"portion-{index}": portion.pk,
            f"portions-{index}": portions,
            f"grams-{index}": "28.35",
        }

    def queries_for(lines):
        # The last line is out of range, so nothing is written and the same 422 page renders.
        fields = {"count": str(lines)}
        for index in range(lines - 1):
            fields.update(line(index, ounce))
        fields.update(line(lines - 1, ounce, portions="0"))
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url("fill_accept", day), fields)
        assert response.status_code == 422
        assert "not valid" in response.content.decode()
        return len(captured)

    queries_for(2)  # the first request warms per-process caches (the candidate pool)
    assert queries_for(6) == queries_for(2)
    # A measure of another food is still refused, as before.
    response = client.post(url("fill_accept", day), {"count": "1", **line(0, other_food_measure)})
    assert response.status_code == 422
    assert "measure of the proposal is no longer there" in response.content.decode()
    assert not MealItem.objects.filter(meal__day=day, deleted_at__isnull=True).exists()


def test_split_service_refuses_a_dose_that_cannot_be_halved(person, day):
    product = SupplementProductFactory(owner=person, amount_mg=400, amount_basis="elemental")
    dose = SupplementDoseFactory(day=day, product=product, quantity=Decimal("0.25"))
    with pytest.raises(Exception, match="cannot be split"):
        services.suggestion_apply(day=day, kind="split", editor=person, doses=[dose])
    assert SupplementDose.objects.filter(day=day).count() == 1


def test_a_standalone_dose_split_is_advice_without_a_button(client, person, day, foods):
    product = SupplementProductFactory(owner=person, amount_mg=400, amount_basis="elemental")
    SupplementDoseFactory(day=day, product=product, meal=None, quantity=1)
    html = panel(client, day).content.decode()
    assert 'data-kind="split"' in html
    assert "Take half of it at another time of day" in html
    assert not [f for f in suggestion_forms(html) if f["kind"] == "split"]
    before = snapshot(person, day)
    response = client.post(
        url("suggestion_apply", day),
        {"kind": "split", "meal": f"supplement:{product.name}", "target_key": "dose-1"},
        **HTMX,
    )
    assert response.status_code == 422
    assert snapshot(person, day) == before


def test_a_recipe_ingredient_is_changed_in_the_recipe_not_in_one_click():
    from plans.suggestion_views import _by_hand
    from plans.swaps import Suggestion

    def change(kind, key):
        return Suggestion(kind, "Lunch", "11233", "Kale", 30.0, "11457", 5.0, 10.0, "", key)

    assert "recipe" in _by_hand(change("replace", "recipe-3-7"))
    assert "recipe" in _by_hand(change("prepare", "recipe-3-7"))
    assert _by_hand(change("replace", "item-7")) == ""


# ---------------------------------------------------------------- move a dose (kind 4)


def bean_breakfast_with_a_dose(person, day, foods, **dose):
    """240 mg citrate with a breakfast of black beans, whose phytate binds over half of it."""
    MealItemFactory(meal=meal(day, "Breakfast"), food=foods["beans"], grams=172)
    product = SupplementProductFactory(
        owner=person, name="Mag citrate 240", amount_mg=240, amount_basis="elemental"
    )
    return SupplementDoseFactory(
        day=day, product=product, meal=meal(day, "Breakfast"), quantity=1, **dose
    )


def move_form(html):
    return next(f for f in suggestion_forms(html) if f["kind"] == "split" and f.get("move"))


def test_a_move_then_undo_restores_the_day_exactly(client, person, day, foods):
    dose = bean_breakfast_with_a_dose(person, day, foods, taken_at=time(7, 30))
    html = panel(client, day).content.decode()
    assert "Move the dose" in html
    assert "Mag citrate 240: on its own, away from Breakfast" in html
    fields = move_form(html)
    assert (fields["meal"], fields["target_key"], fields["move"]) == (
        "Breakfast",
        f"dose-{dose.pk}",
        "1",
    )
    after = apply_and_undo(client, person, day, fields)
    # Applied: the same dose, whole, on its own at no time (what the engine scored).
    assert after[1] == [(dose.pk, dose.product_id, "1.00", None, None)]
    dose.refresh_from_db()
    assert (dose.meal_id, dose.taken_at) == (meal(day, "Breakfast").pk, time(7, 30))


def test_a_move_applies_what_the_panel_promised(client, person, day, foods):
    bean_breakfast_with_a_dose(person, day, foods)
    html = panel(client, day).content.decode()
    gain = float(re.search(r'data-move>.*?suggestion-gain">\+([0-9.,]+) mg', html, re.S).group(1))
    before = snapshot(person, day)[2]["effective_mg"]
    response = client.post(url("suggestion_apply", day), move_form(html), **HTMX)
    assert response.status_code == 200
    assert "is now taken on its own, away from Breakfast" in response.content.decode()
    assert snapshot(person, day)[2]["effective_mg"] == pytest.approx(before + gain, abs=0.11)


def test_without_javascript_a_move_redirects_and_undoes(client, person, day, foods):
    dose = bean_breakfast_with_a_dose(person, day, foods)
    fields = move_form(client.get(url("day_suggestions", day)).content.decode())
    before = snapshot(person, day)
    response = client.post(url("suggestion_apply", day), fields)
    assert response.status_code == 302
    landing = client.get(response["Location"]).content.decode()
    assert snapshot(person, day)[1] == [(dose.pk, dose.product_id, "1.00", None, None)]
    response = client.post(url("suggestion_undo", day), {"token": undo_token(landing)})
    assert response.status_code == 302
    assert snapshot(person, day) == before


def test_a_move_of_a_dose_no_longer_with_that_meal_is_refused(client, person, day, foods):
    dose = bean_breakfast_with_a_dose(person, day, foods)
    fields = move_form(panel(client, day).content.decode())
    dose.meal = meal(day, "Lunch")
    dose.save()
    before = snapshot(person, day)
    response = client.post(url("suggestion_apply", day), fields, **HTMX)
    assert response.status_code == 422
    assert "Breakfast no longer has that supplement with it" in response.content.decode()
    assert snapshot(person, day) == before
