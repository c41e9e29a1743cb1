import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from foods.models import Food
from foods.services import custom_food_create
from plans import services
from plans.models import Day, Meal, MealItem, SupplementDose
from plans.selectors import week_summary
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    PortionFactory,
    ProfileFactory,
    SupplementProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(person, monday):
    """Monday: 30 g seeds (as 1 oz measure) soaked at breakfast, oats at a custom meal,
    citrate with breakfast and a deleted item that must not travel."""
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    breakfast = day.meals.get(name="Breakfast")
    seeds = FoodFactory(description="Pumpkin seeds")
    portion = PortionFactory(food=seeds, grams=28.35)
    MealItemFactory(
        meal=breakfast,
        food=seeds,
        grams=28.35,
        portion=portion,
        portion_quantity=Decimal(1),
        preparation="soaked",
    )
    MealItemFactory(meal=breakfast, food=FoodFactory(), deleted_at=timezone.now())
    brunch = services.meal_add(day=day, name="Brunch", editor=person)
    MealItemFactory(meal=brunch, food=FoodFactory(description="Oats"), grams=40)
    services.supplement_dose_add(
        day=day, product=SupplementProductFactory(owner=person), editor=person, meal=breakfast
    )
    day.notes = "Monday notes"
    day.save()
    return day


def live_items(day):
    return list(
        MealItem.objects.filter(meal__day=day, deleted_at__isnull=True)
        .order_by("meal__position", "position")
        .values_list("meal__name", "food__description", "grams", "preparation", "portion_id")
    )


# ---- day_copy ----


def test_copy_to_a_new_day_brings_meals_items_doses(person, source, monday):
    wednesday = monday + timedelta(days=2)
    [copy] = services.day_copy(source=source, dates=[wednesday], mode="append", editor=person)

    assert copy.date == wednesday
    assert live_items(copy) == live_items(source)
    assert list(copy.meals.values_list("name", flat=True)) == [
        "Breakfast",
        "Lunch",
        "Dinner",
        "Snacks",
        "Brunch",
    ]
    dose = SupplementDose.objects.get(day=copy)
    # The dose follows its meal: with the copy's Breakfast, not the source's.
    assert dose.meal == copy.meals.get(name="Breakfast")
    assert copy.notes == ""


def test_append_keeps_what_the_target_had(person, source, monday):
    tuesday = services.day_get_or_create(user=person, on=monday + timedelta(days=1), editor=person)
    MealItemFactory(meal=tuesday.meals.get(name="Breakfast"), food=FoodFactory(description="Egg"))

    services.day_copy(source=source, dates=[tuesday.date], mode="append", editor=person)

    names = [row[1] for row in live_items(tuesday) if row[0] == "Breakfast"]
    assert names == ["Egg", "Pumpkin seeds"]
    assert Meal.objects.filter(day=tuesday, name="Breakfast").count() == 1


def test_replace_empties_the_target_first(person, source, monday):
    tuesday = services.day_get_or_create(user=person, on=monday + timedelta(days=1), editor=person)
    MealItemFactory(meal=tuesday.meals.get(name="Breakfast"), food=FoodFactory(description="Egg"))
    services.meal_add(day=tuesday, name="Late snack", editor=person)
    SupplementProductFactory(owner=person)
    services.supplement_dose_add(
        day=tuesday, product=SupplementProductFactory(owner=person), editor=person
    )

    services.day_copy(source=source, dates=[tuesday.date], mode="replace", editor=person)

    tuesday.refresh_from_db()
    assert live_items(tuesday) == live_items(source)
    assert not tuesday.meals.filter(name="Late snack").exists()
    assert tuesday.supplement_doses.count() == 1
    assert tuesday.notes == "Monday notes"


@pytest.mark.parametrize(
    ("dates", "mode", "field"),
    [
        ([], "append", "dates"),
        (["source"], "append", "dates"),
        (["tomorrow"], "merge", "mode"),
        (["far"], "append", "dates"),
    ],
)
def test_bad_copies_write_nothing(person, source, monday, dates, mode, field):
    mapping = {
        "source": source.date,
        "tomorrow": source.date + timedelta(days=1),
        "far": source.date + timedelta(days=3000),
    }
    before = Day.objects.count()
    with pytest.raises(ValidationError) as error:
        services.day_copy(
            source=source, dates=[mapping[d] for d in dates], mode=mode, editor=person
        )
    assert field in error.value.message_dict
    assert Day.objects.count() == before


# ---- the copy page ----


def test_copy_page_without_js_then_week_shows_both_days(client, person, source, monday):
    url = reverse("plans:day_copy", args=[monday.isoformat()])
    page = client.get(url).content.decode()
    thursday = monday + timedelta(days=3)
    next_monday = monday + timedelta(days=7)
    assert "This day has 2 foods, 0 recipes and 1 supplement." in " ".join(page.split())
    assert f'value="{thursday.isoformat()}"' in page
    assert f'value="{monday.isoformat()}"' not in page

    response = client.post(
        url, {"dates": [next_monday.isoformat(), thursday.isoformat()], "mode": "append"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("plans:week", args=[monday.isoformat()])
    week = week_summary(user=person, week_start=monday)
    scored = {summary.date: summary.effective_mg for summary in week.days if summary.item_count}
    assert set(scored) == {monday, thursday}
    assert scored[monday] == pytest.approx(scored[thursday])
    week_page = client.get(response["Location"]).content.decode()
    assert "Copied onto" in week_page


def test_copy_page_range_of_next_week(client, person, source, monday):
    url = reverse("plans:day_copy", args=[monday.isoformat()])
    start = monday + timedelta(days=7)
    response = client.post(
        url,
        {
            "range_from": start.isoformat(),
            "range_until": (start + timedelta(days=2)).isoformat(),
            "mode": "replace",
        },
    )
    assert response.status_code == 302
    # Nothing landed in the source's week: the week shown is the copies'.
    assert response["Location"] == reverse("plans:week", args=[start.isoformat()])
    copied = Day.objects.filter(plan__owner=person, date__gt=monday).values_list("date", flat=True)
    assert sorted(copied) == [start, start + timedelta(days=1), start + timedelta(days=2)]


def test_a_range_over_the_source_day_says_how_to_leave_it_out(client, person, source, monday):
    url = reverse("plans:day_copy", args=[monday.isoformat()])
    before = Day.objects.count()
    response = client.post(
        url,
        {
            "range_from": (monday - timedelta(days=1)).isoformat(),
            "range_until": (monday + timedelta(days=1)).isoformat(),
            "mode": "append",
        },
    )
    assert response.status_code == 422
    text = " ".join(response.content.decode().split())
    assert f"untick {monday:%a %-d %b}, or choose a range that starts after it" in text
    assert Day.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "append"}, "Choose at least one day to copy to."),
        ({"dates": ["not-a-date"], "mode": "append"}, "Select a valid choice."),
        ({"range_from": "2026-01-05", "mode": "append"}, "Give both ends."),
        ({"dates": ["__tomorrow__"]}, "Choose whether to add to those days or replace them."),
    ],
)
def test_copy_page_bad_input_is_422(client, person, source, monday, data, message):
    tomorrow = (monday + timedelta(days=1)).isoformat()
    data = {
        k: [tomorrow if v == "__tomorrow__" else v for v in v] if isinstance(v, list) else v
        for k, v in data.items()
    }
    before = Day.objects.count()

    response = client.post(reverse("plans:day_copy", args=[monday.isoformat()]), data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert Day.objects.count() == before


# ---- copy a meal ----


def test_copy_a_meal_into_a_new_meal_of_another_day(client, person, source, monday):
    breakfast = source.meals.get(name="Breakfast")
    friday = monday + timedelta(days=4)

    response = client.post(
        reverse("plans:meal_copy", args=[breakfast.pk]),
        {"date": friday.isoformat(), "meal_name": "Second breakfast"},
    )

    assert response.status_code == 302
    target = Meal.objects.get(day__date=friday, name="Second breakfast")
    assert response["Location"].endswith(f"#meal-{target.pk}")
    assert list(target.items.values_list("food__description", "preparation")) == [
        ("Pumpkin seeds", "soaked")
    ]
    # Copying a meal copies food; the citrate stays on Monday.
    assert not SupplementDose.objects.filter(day__date=friday).exists()


def test_copy_a_meal_onto_itself_is_422(client, person, source):
    breakfast = source.meals.get(name="Breakfast")
    response = client.post(
        reverse("plans:meal_copy", args=[breakfast.pk]),
        {"date": source.date.isoformat(), "meal_name": "breakfast"},
    )
    assert response.status_code == 422
    assert "this is the same meal" in response.content.decode()
    assert breakfast.items.filter(deleted_at__isnull=True).count() == 1


def test_copy_someone_elses_meal_is_404(client, person):
    other = ProfileFactory().user
    day = services.day_get_or_create(user=other, on=timezone.localdate(), editor=other)
    response = client.post(
        reverse("plans:meal_copy", args=[day.meals.first().pk]),
        {"date": day.date.isoformat(), "meal_name": "Lunch"},
    )
    assert response.status_code == 404


def test_the_meal_copy_form_offers_the_next_day(client, person, source):
    breakfast = source.meals.get(name="Breakfast")
    page = client.get(reverse("plans:meal_tools", args=[breakfast.pk])).content.decode()
    # An ISO value, or a browser's date input shows it empty.
    assert f'value="{(source.date + timedelta(days=1)).isoformat()}"' in page
    assert "Pumpkin seeds, 1 × 1 oz (28.4 g)" in page


def _append_queries(person, source, on):
    services.day_get_or_create(user=person, on=on, editor=person)
    with CaptureQueriesContext(connection) as queries:
        services.day_copy(source=source, dates=[on], mode="append", editor=person)
    return len(queries)


def test_copy_queries_do_not_grow_with_the_meals_copied(person, source, monday):
    """Items and recipes go in one insert per day, not one per meal (a month of copies)."""
    one_meal = _append_queries(person, source, monday + timedelta(days=1))
    for meal in source.meals.exclude(name__in=["Breakfast", "Brunch"]):
        MealItemFactory(meal=meal, food=FoodFactory(), grams=50)

    all_meals = _append_queries(person, source, monday + timedelta(days=2))

    assert all_meals == one_meal
    copied = MealItem.objects.filter(meal__day__date=monday + timedelta(days=2))
    assert copied.count() == source.meals.count()


def test_copies_never_carry_someone_elses_custom_food(person, monday):
    """A day a template filled before templates copied custom foods may name another
    person's; a copy of it names the owner's own copy instead (one, reused), and the owner's
    own food stays as it is."""
    mine = custom_food_create(user=person, description="My bar", magnesium_mg_per_100g=100)
    theirs = custom_food_create(
        user=UserFactory(), description="Their bar", magnesium_mg_per_100g=200
    )
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    breakfast = day.meals.get(name="Breakfast")
    MealItemFactory(meal=breakfast, food=mine, grams=30)
    MealItemFactory(meal=breakfast, food=theirs, grams=40)
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)

    services.day_copy(source=day, dates=[tuesday], mode="append", editor=person)
    services.meal_copy(meal=breakfast, on=wednesday, meal_name="Lunch", editor=person)

    copy = Food.objects.get(owner=person, description="Their bar")
    for on in (tuesday, wednesday):
        foods = MealItem.objects.filter(meal__day__date=on).order_by("position")
        assert list(foods.values_list("food", flat=True)) == [mine.pk, copy.pk]
    assert copy.magnesium_mg_per_100g == 200


def test_a_long_range_is_refused_at_its_end_and_days_past_the_plan_in_one_line(
    client, person, source, monday
):
    """Over 31 days: said at Until, where it was typed. A range crossing the plan's end:
    one line for the days past it, not one per day."""
    url = reverse("plans:day_copy", args=[monday.isoformat()])
    start = monday + timedelta(days=1)
    response = client.post(
        url,
        {
            "range_from": start.isoformat(),
            "range_until": (start + timedelta(days=31)).isoformat(),
            "mode": "append",
        },
    )
    assert response.status_code == 422
    text = html.unescape(response.content.decode())
    assert "A range covers at most 31 days at a time." in text.split('id="id_range_until_error"')[1]

    from plans.selectors import plan_horizon

    last = plan_horizon(timezone.localdate())
    response = client.post(
        url,
        {
            "range_from": (last - timedelta(days=2)).isoformat(),
            "range_until": (last + timedelta(days=5)).isoformat(),
            "mode": "append",
        },
    )
    assert response.status_code == 422
    text = html.unescape(response.content.decode())
    past = f"{last + timedelta(days=1):%a %-d %b %Y} to {last + timedelta(days=5):%a %-d %b %Y}:"
    assert text.count(past) in (1, 2)  # at the field, and in the error summary
    assert f"{last + timedelta(days=2):%a %-d %b %Y}: Plans reach" not in text
