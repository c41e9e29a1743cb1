from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from plans import services
from plans.models import Day, Meal, MealItem, Plan
from plans.selectors import plan_horizon
from tests.factories import FoodFactory, PortionFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return ProfileFactory().user


@pytest.fixture
def day(person):
    return services.day_get_or_create(user=person, on=timezone.localdate())


def test_day_get_or_create_makes_one_plan_and_the_default_meals_once(person):
    today = timezone.localdate()
    first = services.day_get_or_create(user=person, on=today)
    again = services.day_get_or_create(user=person, on=today)
    assert first == again
    assert Plan.objects.filter(owner=person).count() == 1
    assert [m.name for m in first.meals.order_by("position")] == [
        "Breakfast",
        "Lunch",
        "Dinner",
        "Snacks",
    ]


def test_a_day_before_birth_or_too_far_ahead_is_refused(person):
    born = person.profile.date_of_birth
    for on in (born - timedelta(days=1), plan_horizon(timezone.localdate()) + timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            services.day_get_or_create(user=person, on=on)
        assert "date" in error.value.message_dict
    assert not Day.objects.exists()


def test_meal_item_add_by_measure_and_the_day_version_bumps(person, day):
    portion = PortionFactory(grams=28.35)
    meal = day.meals.first()
    item = services.meal_item_add(
        meal=meal,
        food=portion.food,
        editor=person,
        portion=portion,
        portion_quantity=Decimal("1.5"),
        preparation="soaked",
    )
    day.refresh_from_db()
    assert item.grams == pytest.approx(42.53, abs=0.01)
    assert item.preparation == "soaked"
    assert day.version == 2
    assert day.last_edited_by == person


def test_preparation_is_dropped_for_a_food_without_phytate(person, day):
    food = FoodFactory(phytate_mg_per_100g=0)
    item = services.meal_item_add(
        meal=day.meals.first(), food=food, editor=person, grams=50, preparation="fermented"
    )
    assert item.preparation == "none"


@pytest.mark.parametrize("grams", [None, 0, -1, 5000.5])
def test_meal_item_add_refuses_bad_grams(person, day, grams):
    with pytest.raises(ValidationError) as error:
        services.meal_item_add(
            meal=day.meals.first(), food=FoodFactory(), editor=person, grams=grams
        )
    assert "grams" in error.value.message_dict
    assert not MealItem.objects.exists()


def test_a_measure_of_another_food_or_too_many_is_refused(person, day):
    food = FoodFactory()
    with pytest.raises(ValidationError) as error:
        services.meal_item_add(
            meal=day.meals.first(),
            food=food,
            editor=person,
            portion=PortionFactory(),
            portion_quantity=Decimal(1),
        )
    assert "portion" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.meal_item_add(
            meal=day.meals.first(),
            food=food,
            editor=person,
            portion=PortionFactory(food=food, grams=240),
            portion_quantity=Decimal(30),
        )
    assert "portion_quantity" in error.value.message_dict


def test_update_back_to_grams_clears_the_measure(person, day):
    portion = PortionFactory(grams=10)
    item = services.meal_item_add(
        meal=day.meals.first(),
        food=portion.food,
        editor=person,
        portion=portion,
        portion_quantity=Decimal(2),
    )
    services.meal_item_update(item=item, editor=person, grams=75)
    item.refresh_from_db()
    assert (item.grams, item.portion, item.portion_quantity) == (75, None, None)


def test_delete_is_soft_and_restore_brings_it_back(person, day):
    item = services.meal_item_add(
        meal=day.meals.first(), food=FoodFactory(), editor=person, grams=30
    )
    services.meal_item_delete(item=item, editor=person)
    item.refresh_from_db()
    assert item.deleted_at is not None
    services.meal_item_restore(item=item, editor=person)
    item.refresh_from_db()
    assert item.deleted_at is None


def test_meal_move_swaps_neighbours_and_stops_at_the_ends(person, day):
    meals = list(day.meals.order_by("position"))
    services.meal_move(meal=meals[2], direction="up", editor=person)
    services.meal_move(meal=meals[0], direction="up", editor=person)  # already first
    services.meal_move(meal=meals[3], direction="down", editor=person)  # already last
    names = list(Meal.objects.filter(day=day).order_by("position").values_list("name", flat=True))
    assert names == ["Breakfast", "Dinner", "Lunch", "Snacks"]


def test_meal_names_are_unique_in_a_day(person, day):
    with pytest.raises(ValidationError):
        services.meal_add(day=day, name=" lunch ", editor=person)
    meal = services.meal_add(day=day, name="  Second   breakfast ", editor=person)
    assert meal.name == "Second breakfast"
    assert meal.position == 4
    with pytest.raises(ValidationError):
        services.meal_rename(meal=meal, name="Dinner", editor=person)
    with pytest.raises(ValidationError):
        services.meal_rename(meal=meal, name="   ", editor=person)


def test_meal_delete_takes_it_and_its_items_off_the_day(person, day):
    meal = day.meals.first()
    services.meal_item_add(meal=meal, food=FoodFactory(), editor=person, grams=30)
    services.meal_delete(meal=meal, editor=person)
    assert day.meals.count() == 3
    # Kept for Undo (tests/plans/test_meal_undo.py), not on the day.
    assert not MealItem.objects.filter(meal__deleted_at__isnull=True).exists()


def test_notes_are_trimmed_and_length_checked(person, day):
    services.day_notes_update(day=day, notes="  rest day ", editor=person)
    day.refresh_from_db()
    assert day.notes == "rest day"
    with pytest.raises(ValidationError):
        services.day_notes_update(day=day, notes="x" * 4001, editor=person)
