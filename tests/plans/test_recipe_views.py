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
from plans.selectors import day_get_for, day_to_engine, plan_horizon
from plans.services import day_get_or_create
from plans.targets import first_target_day
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    MealRecipeFactory,
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


def test_picking_no_recipe_or_a_bad_amount_is_422(client, person, curry):
    meal = lunch(person)
    response = client.post(reverse("recipes:meal_add", args=[meal.pk]), {"servings": "1"})
    assert response.status_code == 422
    assert "Pick one of the recipes." in response.content.decode()
    response = client.post(
        reverse("recipes:meal_add", args=[meal.pk]), {"recipe": curry.pk, "servings": "0"}
    )
    assert response.status_code == 422
    assert "Servings: Enter servings above 0." in response.content.decode()


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
    # The browser's date picker, with ISO dates (not "23/11/2026" in a text box).
    assert f'type="date" name="start" value="{today.isoformat()}"' in page.content.decode()
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
    html = response.content.decode()
    assert "before the first" in html
    assert '<div id="shopping-list"></div>' in html  # no list (this week's) under the error
    assert "Download CSV" not in html

    # With htmx, the errors go to the form (the request targeted the list's place).
    htmx = client.get(reverse("shopping:list"), query, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 422
    assert htmx["HX-Retarget"] == "#shopping-range"
    assert htmx["HX-Push-Url"] == "false"
    assert htmx.content.decode().lstrip().startswith('<form method="get"')
    assert '<div id="shopping-list" hx-swap-oob="true"></div>' in htmx.content.decode()
    assert "before the first" in htmx.content.decode()


@pytest.mark.parametrize(
    ("around", "field", "reason"),
    [
        ("first birthday", "start", "Plans start on your first birthday"),
        ("plan horizon", "end", "Plans reach two years ahead"),
    ],
)
def test_a_range_past_the_plan_is_422_at_that_date(client, person, around, field, reason):
    """Not a list that quietly leaves days out: the date the plan cannot reach, with the
    reason; the CSV and ticking in that range are refused too."""
    if around == "first birthday":
        middle = first_target_day(person.profile.date_of_birth)
    else:
        middle = plan_horizon(timezone.localdate())
    query = {
        "start": (middle - timedelta(days=3)).isoformat(),
        "end": (middle + timedelta(days=3)).isoformat(),
    }
    response = client.get(reverse("shopping:list"), query)
    assert response.status_code == 422
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert reason in body
    assert body.count('class="errorlist') == 1  # the other date is fine
    assert client.get(reverse("shopping:csv"), query).status_code == 422
    tick = client.post(reverse("shopping:tick"), {**query, "food": FoodFactory().pk, "ticked": "1"})
    assert tick.status_code == 422
    assert not ShoppingTick.objects.exists()


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


def test_export_import_keeps_the_household_measure_an_ingredient_was_entered_in(
    client, person, chickpeas
):
    cup = PortionFactory(food=chickpeas, seq=7, amount=Decimal(1), unit="cup, whole", grams=164)
    dish = RecipeFactory(owner=person, name="Chickpea bowl", servings=2)
    recipe_ingredient_add(recipe=dish, food=chickpeas, portion=cup, portion_quantity=Decimal("1.5"))
    document = json.loads(client.get(reverse("recipes:export", args=[dish.pk])).content)
    line = document["mgplanner"]["ingredients"][0]
    assert line["measure"] == {"unit": "cup, whole", "amount": "1", "quantity": 1.5}
    assert client.post(reverse("recipes:import"), {"text": json.dumps(document)}).status_code == 302
    copy = Recipe.objects.exclude(pk=dish.pk).get(owner=person, name="Chickpea bowl")
    imported = copy.ingredients.get()
    assert (imported.portion, imported.portion_quantity, imported.grams) == (
        cup,
        Decimal("1.5"),
        246,
    )
    # A measure the food does not have (another database's) leaves the grams alone.
    line["measure"]["unit"] = "bowl"
    assert client.post(reverse("recipes:import"), {"text": json.dumps(document)}).status_code == 302
    latest = Recipe.objects.filter(owner=person, name="Chickpea bowl").latest("pk")
    assert (latest.ingredients.get().portion, latest.ingredients.get().grams) == (None, 246)
    # A malformed measure is an error at its field.
    line["measure"] = {"unit": "cup", "amount": "1", "quantity": -2}
    bad = client.post(reverse("recipes:import"), {"text": json.dumps(document)})
    assert bad.status_code == 422
    assert "ingredients[0].measure" in bad.content.decode()


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


def test_a_day_links_only_the_recipes_its_viewer_can_open(client, person, practice):
    """The client's private stew is on her day: she opens it, her dietitian reads its name
    (no link to a 404); both open her shared dal."""
    meal = practice.meal
    on = meal.day.date.isoformat()
    private = MealRecipeFactory(meal=meal, recipe=practice.their_private)
    shared = MealRecipeFactory(meal=meal, recipe=practice.theirs)

    def name_of(html: str, used) -> str:
        found = re.search(rf'<(a|span) class="item-name" id="meal-recipe-{used.pk}-name"', html)
        assert found, used
        return found.group(1)

    theirs = practice.http.get(reverse("clients:day", args=[person.pk, on])).content.decode()
    assert name_of(theirs, private) == "span"
    assert "Ana&#39;s private stew" in theirs
    assert name_of(theirs, shared) == "a"
    assert reverse("recipes:detail", args=[practice.their_private.pk]) not in theirs
    client.force_login(person)
    own = client.get(reverse("plans:day", args=[on])).content.decode()
    assert name_of(own, private) == name_of(own, shared) == "a"


def test_which_recipes_a_viewer_can_open_costs_one_query_and_none_for_their_own(
    person, practice, django_assert_num_queries
):
    from plans.recipe_selectors import recipes_openable_by

    p = practice
    with django_assert_num_queries(0):
        assert recipes_openable_by(user=person, recipes_used=[p.their_private]) == {
            p.their_private.pk
        }
    used = [p.their_private, p.theirs, p.mine, p.other_clients]
    with django_assert_num_queries(1):
        assert recipes_openable_by(user=p.dietitian, recipes_used=used) == {
            p.theirs.pk,
            p.mine.pk,
            p.other_clients.pk,  # shared by another of her clients
        }


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


# ---------------------------------------------------------------- how much of a recipe goes in


def _input(html, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_the_pickers_servings_start_blank_so_grams_typed_are_what_is_added(client, person, curry):
    meal = lunch(person)
    page = client.get(reverse("recipes:meal_add", args=[meal.pk])).content.decode()
    servings = _input(page, "servings")
    assert "value=" not in servings
    assert 'placeholder="1"' in servings
    assert f'{curry.name} <span class="muted small">(4 servings)' in page
    curry.servings = 1
    curry.save()
    page = client.get(reverse("recipes:meal_add", args=[meal.pk])).content.decode()
    assert f'{curry.name} <span class="muted small">(1 serving)' in page
    curry.servings = 4
    curry.save()
    # The curry makes 600 g in 4 servings: 300 g is 2 servings.
    response = client.post(
        reverse("recipes:meal_add", args=[meal.pk]),
        {"recipe": curry.pk, "servings": "", "grams": "300"},
    )
    assert response.status_code == 302
    used = MealRecipe.objects.get(meal=meal)
    assert (used.servings, used.grams) == (Decimal("2.000"), 300)


def test_servings_and_grams_together_are_422_and_both_blank_is_one_serving(client, person, curry):
    meal = lunch(person)
    url = reverse("recipes:meal_add", args=[meal.pk])
    response = client.post(url, {"recipe": curry.pk, "servings": "1", "grams": "300"})
    assert response.status_code == 422
    html = response.content.decode()
    errors = re.search(r'<ul class="errorlist field-errors" id="id_grams_error">(.*?)</ul>', html)
    assert "Give the servings or the grams of the dish, not both." in errors.group(1)
    assert not MealRecipe.objects.exists()
    response = client.post(url, {"recipe": curry.pk, "servings": "", "grams": ""})
    assert response.status_code == 302
    assert MealRecipe.objects.get(meal=meal).servings == 1


def test_the_service_refuses_servings_and_grams_together(person, curry):
    with pytest.raises(ValidationError) as refused:
        meal_recipe_add(
            meal=lunch(person), recipe=curry, editor=person, servings=Decimal(1), grams=300
        )
    assert refused.value.message_dict == {
        "grams": ["Give the servings or the grams of the dish, not both."]
    }


def test_the_recipe_pages_two_forms_have_their_own_ids(client, person, curry):
    html = client.get(reverse("recipes:detail", args=[curry.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert [each for each in set(ids) if ids.count(each) > 1] == []
    assert 'for="id_plan-servings"' in html
    assert 'for="id_recipe-servings"' in html
    assert "value=" not in _input(html, "plan-servings")
    assert 'value="4"' in _input(html, "recipe-servings")


def test_add_to_a_day_from_the_recipe_page_by_grams_and_its_errors(client, person, curry):
    url = reverse("recipes:plan", args=[curry.pk])
    on = timezone.localdate().isoformat()
    data = {"plan-date": on, "plan-meal": "Dinner", "plan-servings": ""}
    response = client.post(url, {**data, "plan-grams": "0.5"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Grams of the dish: Enter at least 1 g of the dish." in html
    assert "Ensure this value" not in html
    response = client.post(url, {**data, "plan-servings": "1", "plan-grams": "300"})
    assert response.status_code == 422
    assert 'id="id_plan-grams_error"' in response.content.decode()
    response = client.post(url, {**data, "plan-grams": "300"})
    assert response.status_code == 302
    used = MealRecipe.objects.get(meal__name="Dinner")
    assert (used.servings, used.grams) == (Decimal("2.000"), 300)


def test_editing_the_recipe_from_its_page_uses_the_recipe_prefix(client, person, curry):
    response = client.post(
        reverse("recipes:edit", args=[curry.pk]),
        {"recipe-name": "Curry", "recipe-servings": "2", "recipe-steps": ""},
    )
    assert response.status_code == 302
    curry.refresh_from_db()
    assert (curry.name, curry.servings) == ("Curry", 2)
    response = client.post(
        reverse("recipes:edit", args=[curry.pk]), {"recipe-name": "", "recipe-servings": "2"}
    )
    assert response.status_code == 422
    assert 'id="id_recipe-name_error"' in response.content.decode()


# ---------------------------------------------------------------- a recipe eaten by the gram


@pytest.fixture
def hummus(person, chickpeas):
    """632 g raw in 6 servings: 105.33 g a serving."""
    recipe = RecipeFactory(owner=person, name="Hummus", servings=6)
    RecipeIngredientFactory(recipe=recipe, food=chickpeas, grams=632)
    return recipe


def _edit(client, recipe, **changes):
    data = {
        "recipe-name": recipe.name,
        "recipe-servings": recipe.servings,
        "recipe-cooked_weight_grams": recipe.cooked_weight_grams or "",
        "recipe-steps": recipe.steps,
        **{f"recipe-{name}": value for name, value in changes.items()},
    }
    return client.post(reverse("recipes:edit", args=[recipe.pk]), data)


def _weighs(used, serving_grams):
    """The grams of the dish that a use's servings weigh, for servings of `serving_grams`."""
    return pytest.approx(float(used.servings) * serving_grams, abs=1e-6)


def _engine_grams(person, on):
    day = day_to_engine(day_get_for(user=person, on=on), person_on(person.profile, on))
    return sorted(item.grams for meal in day.meals for item in meal.items)


def test_grams_of_the_dish_keep_their_grams_when_the_yield_changes(client, person, hummus):
    meal = lunch(person)
    by_grams = meal_recipe_add(meal=meal, recipe=hummus, editor=person, grams=210.67)
    dinner = meal.day.meals.get(name="Dinner")
    by_servings = meal_recipe_add(meal=dinner, recipe=hummus, editor=person, servings=Decimal(2))
    assert _weighs(by_grams, 632 / 6) == 210.67  # 2.00003 servings, shown as 2
    day_url = reverse("plans:day", args=[meal.day.date.isoformat()])
    assert "2 servings (210.7 g)" in client.get(day_url).content.decode()
    # Dinner's 2 servings of 105.33 g, lunch's 210.67 g.
    assert _engine_grams(person, meal.day.date) == pytest.approx([2 * 632 / 6, 210.67])

    assert _edit(client, hummus, servings=3).status_code == 302

    by_grams.refresh_from_db()
    by_servings.refresh_from_db()
    assert (_weighs(by_grams, 632 / 3), by_grams.grams) == (210.67, 210.67)
    assert (by_servings.servings, by_servings.grams) == (Decimal(2), None)
    page = client.get(day_url).content.decode()
    assert "1 serving (210.7 g)" in page
    assert "2 servings</span>" in page  # entered in servings: no grams to go stale
    # Lunch still weighs 210.67 g; dinner's 2 servings are now twice as much.
    assert _engine_grams(person, meal.day.date) == pytest.approx([210.67, 2 * 632 / 3])
    # The shopping list buys what the day scores.
    shopping = shopping_list_for(user=person, start=meal.day.date, end=meal.day.date)
    # 210.67 g and 2 servings of 210.667 g: 632.003 g, bought in whole grams rounded up.
    assert shopping.aisles[0].lines[0].grams == 633


def test_a_cooked_weight_and_a_new_food_move_the_servings_of_grams_eaten(client, person, hummus):
    used = meal_recipe_add(meal=lunch(person), recipe=hummus, editor=person, grams=210.67)
    assert _edit(client, hummus, cooked_weight_grams="1264").status_code == 302
    used.refresh_from_db()
    assert _weighs(used, 1264 / 6) == 210.67  # 1264 g in 6: 210.67 g a serving
    # With a cooked weight, the foods no longer set the weight of a serving.
    recipe_ingredient_add(recipe=hummus, food=FoodFactory(), grams=100)
    used.refresh_from_db()
    assert _weighs(used, 1264 / 6) == 210.67
    assert _edit(client, hummus, cooked_weight_grams="").status_code == 302
    used.refresh_from_db()
    assert (_weighs(used, 732 / 6), used.grams) == (210.67, 210.67)  # 1.727 servings
    # Without one, a food added makes every serving heavier.
    recipe_ingredient_add(recipe=hummus, food=FoodFactory(), grams=100)
    used.refresh_from_db()
    assert (_weighs(used, 832 / 6), used.grams) == (210.67, 210.67)  # 1.519 servings


def test_a_yield_that_would_make_grams_eaten_over_100_servings_is_refused(client, person, hummus):
    hummus.cooked_weight_grams = 600
    hummus.save()
    used = meal_recipe_add(meal=lunch(person), recipe=hummus, editor=person, grams=6000)
    assert used.servings == 60
    response = _edit(client, hummus, servings=12)
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(
        r'id="id_recipe-servings_error">.*6000 g of this dish planned in a meal would be'
        r" 120 servings",
        html,
        re.S,
    )
    hummus.refresh_from_db()
    used.refresh_from_db()
    assert (hummus.servings, used.servings) == (6, 60)


def test_a_meal_template_entered_in_grams_follows_the_yield_too(client, person, hummus):
    from plans import services

    meal = lunch(person)
    meal_recipe_add(meal=meal, recipe=hummus, editor=person, grams=210.67)
    template = services.meal_template_create(meal=meal, name="Hummus lunch", owner=person)
    assert _edit(client, hummus, servings=3).status_code == 302
    saved = template.recipes.get()
    assert (_weighs(saved, 632 / 3), saved.grams) == (210.67, 210.67)


# ---------------------------------------------------------------- shopping amounts


def test_a_scaled_amount_is_not_rounded_up_by_float_noise(person):
    milk = FoodFactory(description="Milk", food_group="Dairy and Egg Products")
    shake = RecipeFactory(owner=person, name="Shake", servings=1)
    RecipeIngredientFactory(recipe=shake, food=milk, grams=200)
    meal_recipe_add(meal=lunch(person), recipe=shake, editor=person, servings=Decimal("1.1"))
    today = timezone.localdate()
    shopping = shopping_list_for(user=person, start=today, end=today)
    assert shopping.aisles[0].lines[0].grams == 220
