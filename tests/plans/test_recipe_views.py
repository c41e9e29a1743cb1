"""Recipes, recipes in meals and the shopping list: services, selectors and pages."""

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessAction, AccessLog
from accounts.selectors import person_on
from plans import recipes, scoring
from plans.models import MealRecipe, Recipe, ShoppingTick
from plans.recipe_selectors import pure_recipe, shopping_list_for
from plans.recipe_services import meal_recipe_add, meal_recipe_delete, recipe_ingredient_add
from plans.selectors import day_get_for, day_to_engine
from plans.services import day_get_or_create
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    PortionFactory,
    RecipeFactory,
    RecipeIngredientFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chickpeas():
    food = FoodFactory(
        code="16057",
        description="Chickpeas, cooked",
        food_group="Legumes and Legume Products",
        magnesium_mg_per_100g=48,
        phytate_mg_per_100g=560,
        calcium_mg_per_100g=49,
    )
    PortionFactory(food=food, unit="cup", grams=164)
    return food


@pytest.fixture
def curry(person, chickpeas):
    recipe = RecipeFactory(owner=person, name="Chickpea curry", servings=4)
    RecipeIngredientFactory(recipe=recipe, food=chickpeas, grams=400)
    spinach = FoodFactory(
        code="11457",
        description="Spinach, raw",
        food_group="Vegetables and Vegetable Products",
        magnesium_mg_per_100g=79,
        phytate_mg_per_100g=0,
        oxalate_mg_per_100g=970,
        calcium_mg_per_100g=99,
    )
    RecipeIngredientFactory(recipe=recipe, food=spinach, grams=200)
    return recipe


def lunch(person, on=None):
    day = day_get_or_create(user=person, on=on or timezone.localdate())
    return day.meals.get(name="Lunch")


def test_a_recipe_in_a_meal_is_scored_as_its_ingredients_scaled(person, curry):
    meal = lunch(person)
    meal_recipe_add(meal=meal, recipe=curry, editor=person, servings=Decimal("1.5"))
    day = day_get_for(user=person, on=meal.day.date)
    engine_day = day_to_engine(day, person_on(person.profile, day.date))
    engine_lunch = next(m for m in engine_day.meals if m.name == "Lunch")
    assert [(item.name, item.grams) for item in engine_lunch.items] == [
        ("Chickpeas, cooked", pytest.approx(150)),
        ("Spinach, raw", pytest.approx(75)),
    ]
    direct = scoring.score_day(
        scoring.Day(
            person=engine_day.person,
            meals=(
                scoring.Meal(
                    "Lunch",
                    (
                        scoring.Item("c", 150, 48, 560, 0, 49, 559),
                        scoring.Item("s", 75, 79, 0, 970, 99, 559),
                    ),
                ),
            ),
        )
    )
    assert scoring.score_day(engine_day).effective_mg == pytest.approx(direct.effective_mg)


def test_grams_of_the_dish_become_servings_by_its_cooked_weight(person, curry):
    curry.cooked_weight_grams = 1000
    curry.save()
    used = meal_recipe_add(meal=lunch(person), recipe=curry, editor=person, grams=375)
    assert used.servings == Decimal("1.500")


def test_recipe_page_shows_effective_mg_of_one_serving_eaten_as_a_meal(client, person, curry):
    response = client.get(reverse("recipes:detail", args=[curry.pk]))
    assert response.status_code == 200
    expected = recipes.score_as_meal(
        pure_recipe(curry), person_on(person.profile, timezone.localdate())
    )
    html = response.content.decode()
    assert f'<strong id="serving-effective">{expected.effective_mg:.1f} mg</strong>' in html
    gains = recipes.preparation_gains(
        pure_recipe(curry), person_on(person.profile, timezone.localdate())
    )
    assert gains
    assert f"<li>{gains[0].text}</li>" in html


def test_recipe_waterfall_gives_totals_first_and_last_and_losses_between(client, person, curry):
    html = client.get(reverse("recipes:detail", args=[curry.pk])).content.decode()
    score = recipes.score_as_meal(
        pure_recipe(curry), person_on(person.profile, timezone.localdate())
    )
    lines = re.findall(r"<li>([^<:]+): ([^<]+) mg</li>", html.split('class="waterfall')[1])
    steps = scoring.waterfall(score)
    assert [label for label, _ in lines] == [step.label for step in steps]
    shown = dict(lines)
    assert shown["On the plate"] == f"{score.total_mg:.1f}"
    assert shown["Effective"] == f"{score.effective_mg:.1f}"
    for step in steps[1:-1]:  # a loss, or 0.0 where there is none (not the running total)
        expected = f"−{-step.delta_mg:.1f}" if step.delta_mg < -0.05 else "0.0"
        assert shown[step.label] == expected


def test_a_preparation_change_on_an_ingredient_changes_the_day_score(person, curry):
    meal = lunch(person)
    meal_recipe_add(meal=meal, recipe=curry, editor=person, servings=Decimal(1))
    person_today = person_on(person.profile, meal.day.date)
    before = scoring.score_day(
        day_to_engine(day_get_for(user=person, on=meal.day.date), person_today)
    )
    line = curry.ingredients.get(food__code="16057")
    line.preparation = "sprouted"
    line.save()
    after = scoring.score_day(
        day_to_engine(day_get_for(user=person, on=meal.day.date), person_today)
    )
    sprouted = recipes.Recipe(
        "c",
        4,
        tuple(
            recipes.replace(i, preparation="sprouted") if i.code == "16057" else i
            for i in pure_recipe(Recipe.objects.get(pk=curry.pk)).ingredients
        ),
    )
    assert after.effective_mg > before.effective_mg
    assert after.effective_mg == pytest.approx(
        recipes.score_as_meal(sprouted, person_today).effective_mg
    )


def test_create_a_recipe_and_add_a_food_by_household_measure(client, person, chickpeas):
    response = client.post(reverse("recipes:new"), {"name": "Hummus", "servings": "6"})
    recipe = Recipe.objects.get(owner=person, name="Hummus")
    assert response.status_code == 302
    portion = chickpeas.portions.get()
    response = client.post(
        reverse("recipes:ingredient_add", args=[recipe.pk]),
        {
            "ing-food": chickpeas.pk,
            "ing-portion": portion.pk,
            "ing-portion_quantity": "2",
            "ing-preparation": "soaked",
        },
    )
    assert response.status_code == 302
    line = recipe.ingredients.get()
    assert line.grams == pytest.approx(328)
    assert line.preparation == "soaked"


def test_invalid_recipe_and_ingredient_are_422_with_field_errors(client, person, curry, chickpeas):
    response = client.post(reverse("recipes:new"), {"name": "", "servings": "0"})
    assert response.status_code == 422
    assert "Give the recipe a name." in response.content.decode()
    response = client.post(
        reverse("recipes:ingredient_add", args=[curry.pk]),
        {"ing-food": chickpeas.pk, "ing-grams": "-5"},
    )
    assert response.status_code == 422
    assert "Enter an amount above 0 g." in response.content.decode()


def test_add_a_recipe_to_a_meal_from_the_day_page_and_remove_it(client, person, curry):
    meal = lunch(person)
    page = client.get(reverse("plans:day", args=[meal.day.date.isoformat()]))
    assert reverse("recipes:meal_add", args=[meal.pk]) in page.content.decode()
    response = client.post(
        reverse("recipes:meal_add", args=[meal.pk]), {"recipe": curry.pk, "servings": "1"}
    )
    assert response.status_code == 302
    used = MealRecipe.objects.get(meal=meal)
    page = client.get(reverse("plans:day", args=[meal.day.date.isoformat()])).content.decode()
    assert f'id="meal-recipe-{used.pk}"' in page
    assert "Chickpea curry" in page
    client.post(reverse("recipes:meal_delete", args=[used.pk]))
    used.refresh_from_db()
    assert used.deleted_at is not None


def test_picking_no_recipe_or_no_amount_is_422(client, person, curry):
    meal = lunch(person)
    response = client.post(reverse("recipes:meal_add", args=[meal.pk]), {"servings": "1"})
    assert response.status_code == 422
    assert "Pick one of the recipes." in response.content.decode()
    response = client.post(reverse("recipes:meal_add", args=[meal.pk]), {"recipe": curry.pk})
    assert response.status_code == 422


def test_shopping_list_sums_two_days_that_share_an_ingredient(client, person, curry, chickpeas):
    today = timezone.localdate()
    MealItemFactory(meal=lunch(person, today), food=chickpeas, grams=100)
    meal_recipe_add(
        meal=lunch(person, today + timedelta(days=1)),
        recipe=curry,
        editor=person,
        servings=Decimal(2),
    )
    shopping = shopping_list_for(user=person, start=today, end=today + timedelta(days=1))
    lines = {line.food.description: line for aisle in shopping.aisles for line in aisle.lines}
    assert lines["Chickpeas, cooked"].grams == 100 + 200
    assert lines["Chickpeas, cooked"].measure == "≈ 1¾ × 1 cup"
    assert lines["Spinach, raw"].grams == 100
    assert [aisle.name for aisle in shopping.aisles] == [
        "Legumes and Legume Products",
        "Vegetables and Vegetable Products",
    ]
    query = {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}
    page = client.get(reverse("shopping:list"), query)
    assert "Chickpeas, cooked" in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("shopping:csv"), query).content.decode()))
    )
    assert [
        "Legumes and Legume Products",
        "Chickpeas, cooked",
        "300",
        "1¾ × 1 cup",
        "16057",
        "",
    ] in rows


def test_shopping_csv_quotes_a_formula_like_custom_food_and_keeps_grams_a_number(client, person):
    # A spreadsheet would run this as a formula; the quote makes it text (OWASP CSV Injection).
    formula = '=HYPERLINK("http://evil","x")'
    own = FoodFactory(source="custom", code="u1", description=formula, owner=person)
    today = timezone.localdate()
    MealItemFactory(meal=lunch(person, today), food=own, grams=125)
    query = {"start": today.isoformat(), "end": today.isoformat()}
    body = client.get(reverse("shopping:csv"), query).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(row["food"], row["grams"]) for row in rows] == [("'" + formula, "125")]


def test_shopping_ticks_persist_per_range(client, person, chickpeas):
    today = timezone.localdate()
    MealItemFactory(meal=lunch(person, today), food=chickpeas, grams=100)
    data = {"food": chickpeas.pk, "start": today.isoformat(), "end": today.isoformat()}
    client.post(reverse("shopping:tick"), {**data, "ticked": "1"})
    shopping = shopping_list_for(user=person, start=today, end=today)
    assert shopping.aisles[0].lines[0].ticked
    wider = shopping_list_for(user=person, start=today, end=today + timedelta(days=1))
    assert not wider.aisles[0].lines[0].ticked
    client.post(reverse("shopping:tick"), data)
    assert not ShoppingTick.objects.exists()


def test_a_backwards_range_is_422(client, person):
    today = timezone.localdate()
    query = {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()}
    response = client.get(reverse("shopping:list"), query)
    assert response.status_code == 422
    assert "before the first" in response.content.decode()


def test_export_import_round_trip(client, person, curry):
    curry.steps = "1. Soak the chickpeas\n2. Simmer"
    curry.save()
    exported = client.get(reverse("recipes:export", args=[curry.pk]))
    document = json.loads(exported.content)
    assert document["@type"] == "Recipe"
    response = client.post(reverse("recipes:import"), {"text": json.dumps(document)})
    assert response.status_code == 302
    copy = Recipe.objects.exclude(pk=curry.pk).get(owner=person)
    assert copy.name == curry.name
    assert copy.steps == curry.steps
    assert [(i.food_id, i.grams, i.preparation) for i in copy.ingredients.all()] == [
        (i.food_id, i.grams, i.preparation) for i in curry.ingredients.all()
    ]


def test_invalid_import_is_422_with_a_message_per_field(client, person, curry):
    document = json.loads(client.get(reverse("recipes:export", args=[curry.pk])).content)
    document["mgplanner"]["ingredients"][0]["code"] = "99999"
    document["mgplanner"]["ingredients"][1]["grams"] = "lots"
    response = client.post(reverse("recipes:import"), {"text": json.dumps(document)})
    assert response.status_code == 422
    html = response.content.decode()
    assert "ingredients[1].grams" in html
    assert "Grams above 0" in html
    response = client.post(reverse("recipes:import"), {"text": "{not json"})
    assert response.status_code == 422
    assert "Not valid JSON" in response.content.decode()
    document["mgplanner"]["ingredients"][1]["grams"] = 10
    response = client.post(reverse("recipes:import"), {"text": json.dumps(document)})
    assert response.status_code == 422
    assert "No food 99999" in response.content.decode()
    assert Recipe.objects.filter(owner=person).count() == 1


def test_another_persons_recipe_is_404(client, person):
    other = RecipeFactory()
    RecipeIngredientFactory(recipe=other)
    for name in ("detail", "export"):
        assert client.get(reverse(f"recipes:{name}", args=[other.pk])).status_code == 404
    for name in ("edit", "delete", "duplicate", "plan"):
        assert client.post(reverse(f"recipes:{name}", args=[other.pk])).status_code == 404
    line = other.ingredients.get()
    assert client.post(reverse("recipes:ingredient_delete", args=[line.pk])).status_code == 404
    meal = lunch(person)
    response = client.post(
        reverse("recipes:meal_add", args=[meal.pk]), {"recipe": other.pk, "servings": 1}
    )
    assert response.status_code == 422


def test_a_shared_recipe_is_readable_by_the_linked_dietitian_not_editable(client, person, curry):
    link = DietitianLinkFactory(client=person)
    client.force_login(link.dietitian)
    assert client.get(reverse("recipes:detail", args=[curry.pk])).status_code == 404
    curry.shared = True
    curry.save()
    assert client.get(reverse("recipes:detail", args=[curry.pk])).status_code == 200
    assert (
        client.post(
            reverse("recipes:edit", args=[curry.pk]), {"name": "x", "servings": 1}
        ).status_code
        == 404
    )
    client.post(reverse("recipes:duplicate", args=[curry.pk]))
    copy = Recipe.objects.get(owner=link.dietitian)
    assert copy.ingredients.count() == 2


def test_a_planned_recipe_cannot_be_deleted(client, person, curry):
    meal_recipe_add(meal=lunch(person), recipe=curry, editor=person, servings=Decimal(1))
    response = client.post(reverse("recipes:delete", args=[curry.pk]))
    assert response.status_code == 422
    assert "remove it from those meals first" in response.content.decode()
    MealRecipe.objects.all().delete()
    assert client.post(reverse("recipes:delete", args=[curry.pk])).status_code == 302
    assert not Recipe.objects.exists()


def test_ingredient_add_refuses_another_foods_measure(person, curry, chickpeas):
    other_portion = PortionFactory()
    with pytest.raises(Exception, match="another food"):
        recipe_ingredient_add(
            recipe=curry, food=chickpeas, portion=other_portion, portion_quantity=Decimal(1)
        )


# ---------------------------------------------------------------- a dietitian on a client's day


@pytest.fixture
def practice(person):
    """A dietitian linked to `person` and to another client, with every kind of recipe."""
    person.display_name = "Ana"
    person.save()
    link = DietitianLinkFactory(client=person)
    dietitian = link.dietitian
    other = DietitianLinkFactory(dietitian=dietitian).client
    http = Client()
    http.force_login(dietitian)
    return SimpleNamespace(
        dietitian=dietitian,
        link=link,
        http=http,
        meal=lunch(person),
        theirs=RecipeFactory(owner=person, name="Ana's shared dal", shared=True),
        their_private=RecipeFactory(owner=person, name="Ana's private stew"),
        mine=RecipeFactory(owner=dietitian, name="Dietitian's shared salad", shared=True),
        my_private=RecipeFactory(owner=dietitian, name="Dietitian's private draft"),
        other_clients=RecipeFactory(owner=other, name="Bob's shared chili", shared=True),
    )


def _edits_logged(practice) -> int:
    return AccessLog.objects.filter(dietitian=practice.dietitian, action=AccessAction.EDIT).count()


def test_a_dietitian_is_offered_only_recipes_the_client_can_open(person, practice):
    meal = practice.meal
    page = practice.http.get(reverse("recipes:meal_add", args=[meal.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "working on the plan of <strong>Ana</strong>" in html
    assert "Ana&#39;s shared dal" in html
    assert (
        'Dietitian&#39;s shared salad <span class="muted small">(4 servings, yours, shared)' in html
    )
    for hidden in ("Ana&#39;s private stew", "Dietitian&#39;s private draft", "Bob&#39;s"):
        assert hidden not in html
    on = meal.day.date.isoformat()
    assert f'href="{reverse("clients:day", args=[person.pk, on])}#meal-{meal.pk}"' in html
    assert reverse("plans:day", args=[on]) not in html


@pytest.mark.parametrize("recipe", ["other_clients", "my_private", "their_private"])
def test_a_dietitian_cannot_put_a_recipe_the_client_cannot_open_in_their_meal(
    person, practice, recipe
):
    meal = practice.meal
    version = meal.day.version
    response = practice.http.post(
        reverse("recipes:meal_add", args=[meal.pk]),
        {"recipe": getattr(practice, recipe).pk, "servings": "1"},
    )
    assert response.status_code == 422
    assert "Pick one of the recipes." in response.content.decode()
    assert not MealRecipe.objects.filter(meal=meal).exists()
    meal.day.refresh_from_db()
    assert meal.day.version == version
    assert _edits_logged(practice) == 0


def test_a_dietitian_adds_the_clients_recipe_and_their_own_shared_one(client, person, practice):
    meal = practice.meal
    on = meal.day.date.isoformat()
    for recipe in (practice.theirs, practice.mine):
        response = practice.http.post(
            reverse("recipes:meal_add", args=[meal.pk]), {"recipe": recipe.pk, "servings": "1"}
        )
        assert response.status_code == 302
        used = MealRecipe.objects.get(meal=meal, recipe=recipe)
        assert response.url == (
            f"{reverse('clients:day', args=[person.pk, on])}#meal-recipe-{used.pk}"
        )
    assert _edits_logged(practice) == 2
    # The client opens every recipe their day shows.
    day = client.get(reverse("plans:day", args=[on])).content.decode()
    for recipe in (practice.theirs, practice.mine):
        assert recipe.name.replace("'", "&#39;") in day
        assert client.get(reverse("recipes:detail", args=[recipe.pk])).status_code == 200


def test_a_read_only_link_cannot_add_remove_or_restore_a_recipe(person, practice):
    meal = practice.meal
    live = meal_recipe_add(meal=meal, recipe=practice.theirs, editor=person, servings=Decimal(1))
    gone = meal_recipe_add(meal=meal, recipe=practice.theirs, editor=person, servings=Decimal(2))
    meal_recipe_delete(used=gone, editor=person)
    practice.link.can_edit_plans = False
    practice.link.save()
    http = practice.http
    # It may still look, like at the rest of the client's day, with no form to send.
    page = http.get(reverse("recipes:meal_add", args=[meal.pk]))
    assert page.status_code == 200
    assert "has not allowed you to edit their plan" in page.content.decode()
    assert 'id="add-recipe-submit"' not in page.content.decode()
    response = http.post(
        reverse("recipes:meal_add", args=[meal.pk]),
        {"recipe": practice.theirs.pk, "servings": "1"},
    )
    assert response.status_code == 404
    assert http.post(reverse("recipes:meal_delete", args=[live.pk])).status_code == 404
    assert http.post(reverse("recipes:meal_restore", args=[gone.pk])).status_code == 404
    assert MealRecipe.objects.filter(meal=meal).count() == 2
    assert MealRecipe.objects.filter(meal=meal, deleted_at__isnull=True).get() == live
    assert _edits_logged(practice) == 0


@pytest.mark.parametrize("htmx", [False, True])
def test_a_dietitian_removes_and_restores_a_recipe_in_the_clients_day(person, practice, htmx):
    meal = practice.meal
    used = meal_recipe_add(meal=meal, recipe=practice.theirs, editor=person, servings=Decimal(1))
    client_day = reverse("clients:day", args=[person.pk, meal.day.date.isoformat()])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    removed = practice.http.post(reverse("recipes:meal_delete", args=[used.pk]), **headers)
    restored = practice.http.post(reverse("recipes:meal_restore", args=[used.pk]), **headers)
    if htmx:
        assert removed.status_code == restored.status_code == 200
        assert reverse("recipes:meal_restore", args=[used.pk]) in removed.content.decode()
        assert f'id="meal-recipe-{used.pk}"' in restored.content.decode()
    else:
        assert removed["Location"] == f"{client_day}?undo_recipe={used.pk}#undo"
        assert restored["Location"] == f"{client_day}#meal-recipe-{used.pk}"
    used.refresh_from_db()
    assert used.deleted_at is None
    assert _edits_logged(practice) == 2


def test_the_service_refuses_a_recipe_the_plans_owner_cannot_open(person, practice):
    for recipe in (practice.other_clients, practice.my_private):
        with pytest.raises(ValidationError, match="cannot open"):
            meal_recipe_add(
                meal=practice.meal, recipe=recipe, editor=practice.dietitian, servings=Decimal(1)
            )
    with pytest.raises(ValidationError, match="cannot open"):
        meal_recipe_add(
            meal=practice.meal, recipe=RecipeFactory(), editor=person, servings=Decimal(1)
        )
    assert not MealRecipe.objects.exists()
