"""A refused write writes nothing: no day planned by it, no row changed, no version bumped.

A. Writes addressed by id (a meal, an item, a dose, a recipe in a meal) to a day the planner
   no longer takes (the date of birth moved, so the day is before the first birthday) are
   refused as the date-addressed ones are (422, "Plans start on your first birthday…"),
   and the pages that only serve them are 404s, like the day itself.
B. A refused POST to a date-addressed write of a day not planned yet does not plan it.
C. "Add to a day" on a recipe page, refused, leaves neither the day nor the meal it made.
D. Fill my day says what is likely wrong when the solver refuses the day's numbers.
"""

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from accounts.models import AccessLog, User
from plans import services
from plans.models import (
    Day,
    Meal,
    MealItem,
    MealRecipe,
    MealTemplate,
    MealTemplateItem,
    Plan,
    SupplementDose,
    SupplementProduct,
)
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    MealRecipeFactory,
    MealTemplateFactory,
    MealTemplateItemFactory,
    RecipeFactory,
    RecipeIngredientFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FIRST_BIRTHDAY = "Plans start on your first birthday"


def state() -> dict[str, Any]:
    """Every row a planner write could add or change, with the days' versions and history."""
    return {
        "plans": list(Plan.objects.order_by("pk").values_list("pk", flat=True)),
        "days": list(
            Day.objects.order_by("pk").values_list(
                "pk", "date", "version", "notes", "last_edited_by_id", "last_edited_at"
            )
        ),
        "day_history": Day.history.count(),
        "meals": list(
            Meal.all_objects.order_by("pk").values_list(
                "pk", "day_id", "name", "position", "deleted_at"
            )
        ),
        "items": list(
            MealItem.objects.order_by("pk").values_list(
                "pk", "meal_id", "food_id", "grams", "portion_id", "preparation", "deleted_at"
            )
        ),
        "recipes": list(
            MealRecipe.objects.order_by("pk").values_list(
                "pk", "meal_id", "servings", "grams", "deleted_at"
            )
        ),
        "doses": list(
            SupplementDose.objects.order_by("pk").values_list(
                "pk", "day_id", "product_id", "quantity", "meal_id", "deleted_at"
            )
        ),
        "products": list(
            SupplementProduct.objects.order_by("pk").values_list("pk", "amount_mg", "archived")
        ),
        "templates": (MealTemplate.objects.count(), MealTemplateItem.objects.count()),
        "access_log": AccessLog.objects.count(),
    }


# ---------------------------------------------------------------- A: a day outside the plan


@pytest.fixture
def outside(person: User) -> dict[str, Any]:
    """Today planned (an item, a deleted item, a recipe, a deleted recipe, a dose, a deleted
    dose, a deleted meal), then the date of birth moved so that today is before the first
    birthday: the planner now refuses the day."""
    today = timezone.localdate()
    day = services.day_get_or_create(user=person, on=today, editor=person)
    lunch = day.meals.get(name="Lunch")
    snacks = day.meals.get(name="Snacks")
    recipe = RecipeFactory(owner=person)
    RecipeIngredientFactory(recipe=recipe, grams=400)
    template = MealTemplateFactory(owner=person)
    MealTemplateItemFactory(template=template)
    objects = {
        "day": day,
        "meal": lunch,
        "gone_meal": snacks,
        "item": MealItemFactory(meal=lunch, grams=40),
        "gone_item": MealItemFactory(meal=lunch, grams=50, deleted_at=timezone.now()),
        "used": MealRecipeFactory(meal=lunch, recipe=recipe),
        "gone_used": MealRecipeFactory(meal=lunch, recipe=recipe, deleted_at=timezone.now()),
        "dose": SupplementDoseFactory(day=day),
        "gone_dose": SupplementDoseFactory(day=day, deleted_at=timezone.now()),
        "recipe": recipe,
        "template": template,
        "food": FoodFactory(),
        # A day the planner takes, after the first birthday.
        "later": today + timedelta(days=300),
    }
    Meal.all_objects.filter(pk=snacks.pk).update(deleted_at=timezone.now())
    person.profile.date_of_birth = today - timedelta(days=100)
    person.profile.save()
    return objects


def _writes(o: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, URL, form data): every id-addressed write, each with data it would accept."""
    meal, item, dose = o["meal"].pk, o["item"].pk, o["dose"].pk
    return [
        (
            "item add",
            reverse("plans:meal_item_add", args=[meal]),
            {f"add-{meal}-food": o["food"].pk, f"add-{meal}-grams": "10"},
        ),
        (
            "item update",
            reverse("plans:meal_item_update", args=[item]),
            {f"item-{item}-grams": "20"},
        ),
        ("item delete", reverse("plans:meal_item_delete", args=[item]), {}),
        ("item undo", reverse("plans:meal_item_restore", args=[o["gone_item"].pk]), {}),
        ("meal rename", reverse("plans:meal_rename", args=[meal]), {f"meal-{meal}-name": "Brunch"}),
        ("meal move", reverse("plans:meal_move", args=[meal]), {"direction": "up"}),
        ("meal delete", reverse("plans:meal_delete", args=[meal]), {}),
        ("meal undo", reverse("plans:meal_restore", args=[o["gone_meal"].pk]), {}),
        (
            "dose update",
            reverse("plans:supplement_dose_update", args=[dose]),
            {
                f"dose-{dose}-quantity": "2",
                f"dose-{dose}-amount_mg": "300",
                f"dose-{dose}-amount_basis": "elemental",
            },
        ),
        ("dose delete", reverse("plans:supplement_dose_delete", args=[dose]), {}),
        ("dose undo", reverse("plans:supplement_dose_restore", args=[o["gone_dose"].pk]), {}),
        (
            "template insert",
            reverse("plans:meal_template_insert", args=[meal]),
            {"template": o["template"].pk},
        ),
        ("template save", reverse("plans:meal_template_save", args=[meal]), {"name": "Saved"}),
        (
            "meal copy",
            reverse("plans:meal_copy", args=[meal]),
            {"date": o["later"].isoformat(), "meal_name": "Lunch"},
        ),
        (
            "recipe into meal",
            reverse("recipes:meal_add", args=[meal]),
            {"recipe": o["recipe"].pk, "servings": "1"},
        ),
        ("recipe delete", reverse("recipes:meal_delete", args=[o["used"].pk]), {}),
        ("recipe undo", reverse("recipes:meal_restore", args=[o["gone_used"].pk]), {}),
    ]


WRITES_BY_ID = [
    "item add",
    "item update",
    "item delete",
    "item undo",
    "meal rename",
    "meal move",
    "meal delete",
    "meal undo",
    "dose update",
    "dose delete",
    "dose undo",
    "template insert",
    "template save",
    "meal copy",
    "recipe into meal",
    "recipe delete",
    "recipe undo",
]


@pytest.mark.parametrize("label", WRITES_BY_ID)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_write_by_id_to_a_day_outside_the_plan_is_refused_and_writes_nothing(
    client: Client, outside: dict[str, Any], label: str, htmx: bool
) -> None:
    url, data = {name: (url, data) for name, url, data in _writes(outside)}[label]
    before = state()
    response = client.post(url, data, **(HTMX if htmx else {}))
    assert response.status_code == 422
    assert FIRST_BIRTHDAY in response.content.decode()
    assert state() == before
    if htmx:  # to the conflict region, leaving what the form targeted as it was
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#day-conflict", "innerHTML")


def test_the_day_page_outside_the_plan_is_a_404(client: Client, outside: dict[str, Any]) -> None:
    on = outside["day"].date.isoformat()
    assert client.get(reverse("plans:day", args=[on])).status_code == 404


@pytest.mark.parametrize(
    ("name", "key", "query"),
    [
        ("plans:meal_tools", "meal", {}),
        ("plans:food_picker", "meal", {"q": "seed"}),
        ("plans:food_amount_form", "meal", {"food": "food"}),
        ("plans:meal_item_edit", "item", {}),
        ("plans:supplement_dose_edit", "dose", {}),
        ("recipes:meal_add", "meal", {}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_pages_that_serve_those_writes_are_404s_like_the_day(
    client: Client, outside: dict[str, Any], name: str, key: str, query: dict[str, str], htmx: bool
) -> None:
    query = {k: outside[v].pk if v in outside else v for k, v in query.items()}
    before = state()
    response = client.get(reverse(name, args=[outside[key].pk]), query, **(HTMX if htmx else {}))
    assert response.status_code == 404
    assert state() == before


def test_a_dietitian_is_refused_a_write_by_id_to_their_clients_day_outside_the_plan(
    client: Client, link: Any
) -> None:
    client_user = link.client
    today = timezone.localdate()
    day = services.day_get_or_create(user=client_user, on=today, editor=client_user)
    item = MealItemFactory(meal=day.meals.get(name="Lunch"), grams=40)
    client_user.profile.date_of_birth = today - timedelta(days=100)
    client_user.profile.save()
    client.force_login(link.dietitian)
    before = state()
    response = client.post(
        reverse("plans:meal_item_update", args=[item.pk]), {f"item-{item.pk}-grams": "20"}
    )
    assert response.status_code == 422
    said = escape(f"Plans start on {client_user.name}'s first birthday")
    assert said in response.content.decode()
    assert state() == before


def test_writes_by_id_to_a_day_in_the_plan_still_work(
    client: Client, person: User, day: Day
) -> None:
    item = MealItemFactory(meal=day.meals.get(name="Lunch"), grams=40)
    response = client.post(
        reverse("plans:meal_item_update", args=[item.pk]), {f"item-{item.pk}-grams": "20"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.grams == 20


# ---------------------------------------------------------------- B: a day not planned yet


def _unplanned() -> date:
    """A day the planner takes that nobody has planned yet."""
    return timezone.localdate() + timedelta(days=10)


def _date_writes(on: date, product: SupplementProduct) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, URL, form data): each date-addressed write with input it refuses."""
    iso = on.isoformat()
    return [
        (
            "suggestion, bogus kind",
            reverse("plans:suggestion_apply", args=[iso]),
            {"kind": "bogus"},
        ),
        (
            "suggestion, food not in the pool",
            reverse("plans:suggestion_apply", args=[iso]),
            {"kind": "add", "meal": "Lunch", "food": "00000", "grams": "30"},
        ),
        (
            "suggestion undo, bad token",
            reverse("plans:suggestion_undo", args=[iso]),
            {"token": "x"},
        ),
        ("fill accept, nothing", reverse("plans:fill_accept", args=[iso]), {"count": "0"}),
        (
            "fill accept, a meal not there",
            reverse("plans:fill_accept", args=[iso]),
            {"count": "1", "meal-0": "999999", "food-0": "1", "portions-0": "1", "grams-0": "30"},
        ),
        ("notes too long", reverse("plans:day_notes", args=[iso]), {"notes": "x" * 5000}),
        ("meal, no name", reverse("plans:meal_add", args=[iso]), {"add-meal-name": ""}),
        # Valid for the form; refused by the service because the day's default meals
        # (made with the day) already include a Lunch.
        ("meal, a default name", reverse("plans:meal_add", args=[iso]), {"add-meal-name": "Lunch"}),
        (
            "supplement, incomplete",
            reverse("plans:supplement_log", args=[iso]),
            {"supplement-kind": "magnesium"},
        ),
        (
            "one-click supplement, no quantity",
            reverse("plans:supplement_dose_add", args=[iso, product.pk]),
            {f"product-{product.pk}-quantity": ""},
        ),
        ("copy day, no days", reverse("plans:day_copy", args=[iso]), {"mode": "append"}),
    ]


DATE_REFUSALS = [
    "suggestion, bogus kind",
    "suggestion, food not in the pool",
    "suggestion undo, bad token",
    "fill accept, nothing",
    "fill accept, a meal not there",
    "notes too long",
    "meal, no name",
    "meal, a default name",
    "supplement, incomplete",
    "one-click supplement, no quantity",
    "copy day, no days",
]


@pytest.mark.parametrize("label", DATE_REFUSALS)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_refused_write_to_a_day_not_planned_yet_does_not_plan_it(
    client: Client, person: User, label: str, htmx: bool
) -> None:
    on = _unplanned()
    product = SupplementProductFactory(owner=person)
    url, data = {name: (url, data) for name, url, data in _date_writes(on, product)}[label]
    before = state()
    response = client.post(url, data, **(HTMX if htmx else {}))
    assert response.status_code == 422
    assert state() == before
    assert not Day.objects.filter(date=on).exists()


def test_a_dietitians_refused_write_to_a_clients_day_not_planned_yet_writes_nothing(
    client: Client, link: Any
) -> None:
    client.force_login(link.dietitian)
    on = timezone.localdate() + timedelta(days=10)
    before = state()
    response = client.post(
        reverse("clients:meal_add", args=[link.client.pk, on.isoformat()]),
        {"add-meal-name": ""},
    )
    assert response.status_code == 422
    assert state() == before


def test_the_refusal_still_shows_the_form_and_its_error(client: Client, person: User) -> None:
    on = _unplanned()
    response = client.post(reverse("plans:day_notes", args=[on.isoformat()]), {"notes": "x" * 5000})
    assert response.status_code == 422
    assert "Ensure this value has at most 4000 characters (it has 5000)." in (
        response.content.decode()
    )
    response = client.post(
        reverse("plans:meal_add", args=[on.isoformat()]), {"add-meal-name": "Lunch"}
    )
    assert response.status_code == 422
    assert "There is already a meal called “Lunch” on this day." in response.content.decode()


def test_an_accepted_write_to_a_day_not_planned_yet_plans_it(client: Client, person: User) -> None:
    on = _unplanned()
    response = client.post(
        reverse("plans:meal_add", args=[on.isoformat()]), {"add-meal-name": "Brunch"}
    )
    assert response.status_code == 302
    names = list(Meal.objects.filter(day__date=on).values_list("name", flat=True))
    assert names == ["Breakfast", "Lunch", "Dinner", "Snacks", "Brunch"]
    product = SupplementProductFactory(owner=person)
    later = on + timedelta(days=1)
    response = client.post(
        reverse("plans:supplement_dose_add", args=[later.isoformat(), product.pk]),
        {f"product-{product.pk}-quantity": "1"},
    )
    assert response.status_code == 302
    assert SupplementDose.objects.filter(day__date=later, quantity=Decimal(1)).count() == 1
    response = client.post(
        reverse("plans:day_notes", args=[(on + timedelta(days=2)).isoformat()]),
        {"notes": "Rest day"},
    )
    assert response.status_code == 302
    assert Day.objects.get(date=on + timedelta(days=2)).notes == "Rest day"


# ---------------------------------------------------------------- C: add a recipe to a day


def test_a_refused_add_to_a_day_from_the_recipe_page_writes_nothing(
    client: Client, person: User
) -> None:
    recipe = RecipeFactory(owner=person, servings=4)
    RecipeIngredientFactory(recipe=recipe, grams=400)
    on = _unplanned()
    data = {"plan-date": on.isoformat(), "plan-meal": "Brunch", "plan-servings": ""}
    before = state()
    response = client.post(
        reverse("recipes:plan", args=[recipe.pk]), {**data, "plan-grams": "20000"}
    )
    assert response.status_code == 422
    assert "servings" in response.content.decode()
    assert state() == before
    # On a day already planned, the new meal and the version bump go too.
    day = services.day_get_or_create(user=person, on=on, editor=person)
    before = state()
    response = client.post(
        reverse("recipes:plan", args=[recipe.pk]), {**data, "plan-grams": "20000"}
    )
    assert response.status_code == 422
    assert state() == before
    day.refresh_from_db()
    assert not day.meals.filter(name="Brunch").exists()


def test_an_add_to_a_day_from_the_recipe_page_still_makes_the_meal(
    client: Client, person: User
) -> None:
    recipe = RecipeFactory(owner=person, servings=4)
    RecipeIngredientFactory(recipe=recipe, grams=400)
    on = _unplanned()
    data = {"plan-date": on.isoformat(), "plan-meal": "Brunch", "plan-servings": "1"}
    response = client.post(reverse("recipes:plan", args=[recipe.pk]), data)
    assert response.status_code == 302
    assert MealRecipe.objects.filter(meal__name="Brunch", meal__day__date=on).count() == 1


# ---------------------------------------------------------------- D: fill my day


@pytest.mark.usefixtures("fresh_candidate_pool")
def test_fill_names_a_food_with_impossible_values_rather_than_the_solvers_words(
    client: Client, person: User, day: Day, caplog: pytest.LogCaptureFixture
) -> None:
    # A custom food saved before values were bounded: 1e308 kcal per 100 g.
    absurd = FoodFactory(owner=person, kcal_per_100g=1e308, magnesium_mg_per_100g=10)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=absurd, grams=60)
    with caplog.at_level(logging.WARNING):
        response = client.get(reverse("plans:fill", args=[day.date.isoformat()]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "must be" not in html
    assert "finite" not in html
    assert "impossible values" in html
    assert any("fill" in record.getMessage().lower() for record in caplog.records)
