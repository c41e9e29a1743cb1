"""Prepared queries (mgplanner/prepared.py) give what the ORM gives, compiled once; the
day loader built on them (plans.selectors.own_days) matches the ORM's prefetching one."""

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model, Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from foods.models import Food
from mgplanner.prepared import PreparedQuery
from plans.models import Day, DayNote, Meal, MealItem
from plans.selectors import _days_prefetched, own_days
from tests.factories import (
    DayFactory,
    FoodFactory,
    MealFactory,
    MealItemFactory,
    MealRecipeFactory,
    PortionFactory,
    ProfileFactory,
    RecipeIngredientFactory,
    SupplementDoseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)


def fields(instance: Model) -> dict[str, Any]:
    """Every column's value with its type: converters (Decimal, time, datetime) must match."""
    return {
        field.attname: (getattr(instance, field.attname), type(getattr(instance, field.attname)))
        for field in instance._meta.concrete_fields
    }


def snapshot(days: list[Day]) -> list[Any]:
    return [
        (
            fields(day),
            fields(day.plan),
            day.has_dietitian_notes,
            [
                (
                    fields(meal),
                    [
                        (fields(item), fields(item.food), item.portion and fields(item.portion))
                        for item in meal.live_items
                    ],
                    [
                        (
                            fields(used),
                            fields(used.recipe),
                            [
                                (fields(ingredient), fields(ingredient.food))
                                for ingredient in used.recipe.ordered_ingredients
                            ],
                        )
                        for used in meal.live_recipes
                    ],
                )
                for meal in day.ordered_meals
            ],
            [
                (fields(dose), fields(dose.product), dose.meal and fields(dose.meal))
                for dose in day.live_doses
            ],
        )
        for day in days
    ]


@pytest.fixture
def week() -> Any:
    """A person's Monday and Wednesday with everything a day holds, and what must not show:
    deleted rows, a day outside the window, another person's day on the same date."""
    monday = DayFactory(date=MONDAY, notes="Busy day")
    person = monday.plan.owner
    wednesday = DayFactory(plan=monday.plan, date=MONDAY + timedelta(days=2))
    DayFactory(plan=monday.plan, date=MONDAY + timedelta(days=9))
    MealItemFactory(meal__day=DayFactory(date=MONDAY))  # a stranger's
    breakfast = MealFactory(day=monday, name="Breakfast", position=0)
    lunch = MealFactory(day=monday, name="Lunch", position=1)
    gone_meal = MealFactory(day=monday, name="Brunch", position=2, deleted_at=timezone.now())
    MealItemFactory(meal=gone_meal)
    oats = FoodFactory(description="Oats", magnesium_mg_per_100g=138.5)
    ounce = PortionFactory(food=oats)
    MealItemFactory(meal=breakfast, food=oats, grams=56.7, portion=ounce, portion_quantity=2)
    MealItemFactory(meal=breakfast, grams=12.5, preparation="soaked")
    MealItemFactory(meal=breakfast, deleted_at=timezone.now())
    stew = RecipeIngredientFactory(food__description="Lentils").recipe
    RecipeIngredientFactory(recipe=stew, food__description="Carrot")
    MealRecipeFactory(meal=lunch, recipe=stew, servings=Decimal("1.5"))
    MealRecipeFactory(meal=lunch, deleted_at=timezone.now())
    SupplementDoseFactory(day=monday, meal=lunch, quantity=Decimal("2"))
    SupplementDoseFactory(day=monday, taken_at=time(21, 30))
    SupplementDoseFactory(day=monday, deleted_at=timezone.now())
    MealItemFactory(meal=MealFactory(day=wednesday, name="Dinner"))
    DayNote.objects.create(day=wednesday, author=UserFactory(), text="More greens")
    return person


def test_own_days_match_the_orms_prefetching(week):
    end = MONDAY + timedelta(days=6)
    loaded = own_days(user=week, start=MONDAY, end=end)
    expected = list(
        _days_prefetched(week).filter(plan__owner=week, date__range=(MONDAY, end)).order_by("date")
    )
    assert [day.date for day in loaded] == [MONDAY, MONDAY + timedelta(days=2)]
    assert snapshot(loaded) == snapshot(expected)
    monday = loaded[0]
    assert [meal.name for meal in monday.ordered_meals] == ["Breakfast", "Lunch"]
    oats, seeds = monday.ordered_meals[0].live_items  # the deleted third is not there
    assert (oats.food.description, oats.portion.unit, seeds.portion) == ("Oats", "oz", None)
    assert [dose.meal and dose.meal.name for dose in monday.live_doses] == ["Lunch", None]
    assert [day.has_dietitian_notes for day in loaded] == [False, True]


def test_own_days_take_five_queries_six_with_a_recipe_one_when_nothing_is_planned(week):
    with CaptureQueriesContext(connection) as queries:
        own_days(user=week, start=MONDAY, end=MONDAY + timedelta(days=6))
    assert len(queries) == 6  # days, meals, items, recipes eaten, their ingredients, doses
    with CaptureQueriesContext(connection) as queries:
        (wednesday,) = own_days(
            user=week, start=MONDAY + timedelta(days=2), end=MONDAY + timedelta(days=2)
        )
    assert len(queries) == 5
    assert [meal.name for meal in wednesday.ordered_meals] == ["Dinner"]
    with CaptureQueriesContext(connection) as queries:
        assert own_days(user=week, start=date(2020, 1, 1), end=date(2020, 1, 7)) == []
    assert len(queries) == 1


def test_a_prepared_query_is_compiled_once_and_follows_its_parameters():
    calls = []

    def build(owner: int, on: date) -> Any:
        calls.append((owner, on))
        return Day.objects.filter(plan__owner_id=owner, date=on).select_related("plan")

    days_on = PreparedQuery(build, owner=int, on=date)
    first = DayFactory(date=MONDAY)
    second = DayFactory(plan=first.plan, date=MONDAY + timedelta(days=1))
    owner = first.plan.owner_id
    assert days_on(owner=owner, on=MONDAY) == [first]
    assert days_on(owner=owner, on=MONDAY + timedelta(days=1)) == [second]
    assert days_on(owner=owner + 1, on=MONDAY) == []
    assert len(calls) == 1  # compiled for stand-in values, then only executed
    assert days_on(owner=owner, on=MONDAY)[0].plan.owner_id == owner


def test_a_parameter_used_twice_is_filled_in_both_places():
    items = PreparedQuery(
        lambda food: (
            MealItem.objects.filter(food_id=food, meal__day__plan__owner__isnull=False)
            | MealItem.objects.filter(food_id=food, grams__gt=1000)
        ),
        food=int,
    )
    kept = MealItemFactory(grams=2000)
    MealItemFactory()
    assert items(food=kept.food_id) == [kept]


@pytest.mark.parametrize("key", [2**63, 2**64, -(2**63) - 1])
def test_a_key_no_integer_column_holds_finds_nothing(key, client):
    # A URL's <int:pk> has no bound: the ORM finds no row for it, and so must a prepared
    # query (SQLite's driver raised OverflowError: a 500 on /plan/meals/<2**63>/tools/).
    meals = PreparedQuery(lambda pk: Meal.objects.filter(pk=pk), pk=int)
    assert meals(pk=key) == []
    if key > 0:
        user = UserFactory()
        ProfileFactory(user=user)
        MealFactory(day__plan__owner=user)
        client.force_login(user)
        assert client.get(f"/plan/meals/{key}/tools/").status_code == 404
        assert client.post(f"/plan/meals/{key}/items/", {}).status_code == 404


def test_prepared_queries_refuse_what_they_cannot_repeat():
    with pytest.raises(TypeError, match="int or date"):
        PreparedQuery(lambda name: Food.objects.filter(description=name), name=str)
    unused = PreparedQuery(lambda owner: Day.objects.all(), owner=int)
    with pytest.raises(ValueError, match="'owner' is not in the query"):
        unused(owner=1)
    prefetching = PreparedQuery(
        lambda day: Meal.objects.filter(day_id=day).prefetch_related(Prefetch("items")), day=int
    )
    with pytest.raises(ValueError, match="cannot prefetch"):
        prefetching(day=1)
    meals = PreparedQuery(lambda day: Meal.objects.filter(day_id=day), day=int)
    with pytest.raises(TypeError, match="expected parameters"):
        meals(meal=1)
