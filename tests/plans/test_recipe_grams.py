"""A recipe eaten by the gram is eaten, scored, bought and reported at the grams entered,
whatever the size of the recipe; one eaten by the serving keeps its servings exactly."""

import csv
import importlib
import io
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import person_on
from plans import scoring
from plans.models import MealRecipe, MealTemplateRecipe
from plans.selectors import day_get_for, day_to_engine
from plans.services import day_get_or_create, meal_template_create
from tests.factories import FoodFactory, RecipeFactory, RecipeIngredientFactory

pytestmark = pytest.mark.django_db

# (name, mg magnesium per 100 g): each food of the pot, as the QA report planned it.
FOODS = (("Black beans, cooked", 70.0), ("Brown rice, cooked", 44.0), ("Milk, whole", 10.0))

# (recipe servings, cooked weight or None, grams of each food, grams eaten, servings shown).
SIZES = {
    # The QA report's pot: a step of 0.001 serving was 10 g of it.
    "10 kg pot, 1 serving": (1, 10000.0, (4000, 4000, 2000), 235, "0.024"),
    # The largest cooked weight the app takes, in one serving: a step was 20 g.
    "20 kg pot, 1 serving": (1, 20000.0, (8000, 8000, 4000), 235, "0.012"),
    # No cooked weight: a serving weighs the foods' raw total.
    "12.5 kg raw, 1 serving": (1, None, (5000, 5000, 2500), 235, "0.019"),
    # A small recipe: 3 servings of 1 kg.
    "1 kg in 3 servings": (3, None, (400, 400, 200), 211, "0.633"),
}


def _recipe(owner, servings, cooked, grams):
    recipe = RecipeFactory(
        owner=owner, name="QA Batch pot", servings=servings, cooked_weight_grams=cooked
    )
    for (name, mg), amount in zip(FOODS, grams, strict=True):
        food = FoodFactory(
            description=name,
            food_group="Test foods",
            magnesium_mg_per_100g=mg,
            phytate_mg_per_100g=0,
            calcium_mg_per_100g=0,
        )
        RecipeIngredientFactory(recipe=recipe, food=food, grams=amount)
    return recipe


def _add_to_lunch(client, recipe, on, **amount):
    data = {"plan-date": on.isoformat(), "plan-meal": "Lunch", "plan-servings": ""}
    data.update({f"plan-{name}": value for name, value in amount.items()})
    response = client.post(reverse("recipes:plan", args=[recipe.pk]), data)
    assert response.status_code == 302, response.content.decode()
    return MealRecipe.objects.get(recipe=recipe)


def _engine(person, on):
    return day_to_engine(day_get_for(user=person, on=on), person_on(person.profile, on))


def _direct_score(engine_day, grams_by_food):
    """The day scored with each food at its grams, as if entered as foods: what the recipe
    eaten at those grams must score."""
    items = tuple(scoring.Item(name, grams, mg, 0, 0, 0, 0) for (name, mg), grams in grams_by_food)
    meal = scoring.Meal("Lunch", items)
    return scoring.score_day(scoring.Day(person=engine_day.person, meals=(meal,)))


def _page_mg(html, used):
    found = re.search(rf'id="meal-recipe-{used.pk}-mg">([\d.,]+) mg → ([\d.,]+) mg', html)
    assert found, html
    return tuple(float(value.replace(",", "")) for value in found.groups())


def _csv(client, url, on):
    query = {"start": on.isoformat(), "end": on.isoformat()}
    return list(csv.DictReader(io.StringIO(client.get(url, query).content.decode())))


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_grams_of_a_recipe_are_what_is_eaten_scored_bought_and_reported(client, person, size):
    servings, cooked, grams, eaten, shown = size
    recipe = _recipe(person, servings, cooked, grams)
    on = timezone.localdate()
    used = _add_to_lunch(client, recipe, on, grams=eaten)
    shares = [
        (food, eaten * amount / sum(grams)) for food, amount in zip(FOODS, grams, strict=True)
    ]

    # The day shows the grams entered, the servings to 0.001 as before.
    html = client.get(reverse("plans:day", args=[on.isoformat()])).content.decode()
    assert f"{shown} servings ({eaten} g)" in html
    # The engine eats the grams entered, split by the foods' shares.
    engine_day = _engine(person, on)
    engine_grams = [item.grams for meal in engine_day.meals for item in meal.items]
    assert engine_grams == pytest.approx([grams for _, grams in shares], abs=0.001)
    assert sum(engine_grams) == pytest.approx(eaten, abs=0.01)
    # Scored as those grams entered as foods (the QA pot scored 10 g more).
    direct = _direct_score(engine_day, shares)
    assert _page_mg(html, used) == pytest.approx((direct.total_mg, direct.effective_mg), abs=0.05)

    # The shopping list buys them (94 + 94 + 47 g of 235, not 96 + 96 + 48).
    bought = {row["food"]: int(row["grams"]) for row in _csv(client, reverse("shopping:csv"), on)}
    assert bought == {name: math.ceil(round(grams, 3)) for (name, _), grams in shares}
    # The items CSV gives the grams and the magnesium of the grams entered.
    (row,) = _csv(client, reverse("reports:own_report", args=["items"]), on)
    assert row["grams"] == str(eaten)
    assert float(row["magnesium_mg"]) == pytest.approx(direct.total_mg, abs=0.05)
    servings = Decimal(row["amount"].removesuffix(" servings"))
    assert servings.quantize(Decimal("0.001"), ROUND_HALF_UP) == Decimal(shown)


def test_the_items_csv_shows_the_servings_as_the_day_does(client, person):
    recipe = _recipe(person, 1, 10000.0, (4000, 4000, 2000))
    on = timezone.localdate()
    _add_to_lunch(client, recipe, on, grams=235)
    (row,) = _csv(client, reverse("reports:own_report", args=["items"]), on)
    assert (row["amount"], row["grams"]) == ("0.024 servings", "235")


def test_servings_entered_as_servings_stay_exact(client, person):
    recipe = _recipe(person, 4, None, (400, 400, 200))
    on = timezone.localdate()
    used = _add_to_lunch(client, recipe, on, servings="1.5")
    assert (used.servings, used.grams) == (Decimal("1.5"), None)

    html = client.get(reverse("plans:day", args=[on.isoformat()])).content.decode()
    assert "1.5 servings</span>" in html
    engine_day = _engine(person, on)
    assert [item.grams for meal in engine_day.meals for item in meal.items] == pytest.approx(
        [150, 150, 75]
    )
    direct = _direct_score(engine_day, zip(FOODS, (150, 150, 75), strict=True))
    assert _page_mg(html, used) == pytest.approx((direct.total_mg, direct.effective_mg), abs=0.05)
    (row,) = _csv(client, reverse("reports:own_report", args=["items"]), on)
    assert (row["amount"], row["grams"]) == ("1.5 servings", "375")


def test_a_template_of_a_meal_eaten_by_the_gram_keeps_the_grams(client, person):
    recipe = _recipe(person, 1, 20000.0, (8000, 8000, 4000))
    on = timezone.localdate()
    used = _add_to_lunch(client, recipe, on, grams=235)
    meal = day_get_or_create(user=person, on=on).meals.get(name="Lunch")
    template = meal_template_create(meal=meal, name="Pot lunch", owner=person)
    saved = MealTemplateRecipe.objects.get(template=template)
    assert (saved.servings, saved.grams) == (used.servings, 235)
    assert float(saved.servings) * 20000 == pytest.approx(235, abs=0.01)


def test_the_migration_works_out_again_the_servings_of_grams_eaten(client, person):
    """Rows saved while servings were kept to 0.001 get the servings of their grams."""
    migration = importlib.import_module("plans.migrations.0008_servings_of_grams_eaten")
    recipe = _recipe(person, 1, 10000.0, (4000, 4000, 2000))
    on = timezone.localdate()
    by_grams = _add_to_lunch(client, recipe, on, grams=235)
    by_servings = MealRecipe.objects.create(
        meal=by_grams.meal, recipe=recipe, servings=Decimal("0.024"), position=1
    )
    MealRecipe.objects.filter(pk=by_grams.pk).update(servings=Decimal("0.024"))

    migration.servings_of_grams_eaten(apps, None)

    by_grams.refresh_from_db()
    by_servings.refresh_from_db()
    assert (by_grams.servings, by_grams.grams) == (Decimal("0.0235"), 235)
    assert by_servings.servings == Decimal("0.024")  # entered in servings: kept


def test_grams_worth_under_a_hundredth_of_a_serving_are_refused_with_the_servings(client, person):
    recipe = _recipe(person, 1, 105.0, (50, 50, 5))
    on = timezone.localdate()
    data = {"plan-date": on.isoformat(), "plan-meal": "Lunch", "plan-servings": ""}
    response = client.post(reverse("recipes:plan", args=[recipe.pk]), {**data, "plan-grams": "1"})
    assert response.status_code == 422
    # 0.0095 servings: shown as 0.009, not rounded up to the 0.01 a meal takes.
    assert (
        "1 g of this dish would be 0.009 servings, and a meal takes 0.01 to 100 servings"
        in response.content.decode()
    )
    assert not MealRecipe.objects.exists()
