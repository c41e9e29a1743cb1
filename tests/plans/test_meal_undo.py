"""Deleting a meal is undoable: it leaves the day (score, lists, copies) and comes back whole."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import person_on, profile_for
from plans import services
from plans.recipe_selectors import shopping_list_for
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine, week_summary
from tests.factories import FoodFactory, SupplementProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def day(person):
    day = services.day_get_or_create(user=person, on=timezone.localdate(), editor=person)
    lunch = day.meals.get(name="Lunch")
    services.meal_item_add(
        meal=lunch, food=FoodFactory(description="Pumpkin seeds"), editor=person, grams=30
    )
    services.meal_item_add(
        meal=day.meals.get(name="Dinner"), food=FoodFactory(), editor=person, grams=80
    )
    product = SupplementProductFactory(owner=person)
    services.supplement_dose_add(day=day, product=product, editor=person, meal=lunch)
    return day


def score(user, on):
    loaded = day_get_for(user=user, on=on)
    return score_day(day_to_engine(loaded, person_on(profile_for(user=user), on)))


def test_delete_takes_the_meal_out_of_the_score_and_every_list_and_restore_brings_it_back(
    day, person
):
    lunch = day.meals.get(name="Lunch")
    before = score(person, day.date)
    services.meal_delete(meal=lunch, editor=person)

    after = score(person, day.date)
    assert "Lunch" not in {occasion.name for occasion in after.occasions}
    assert after.kcal < before.kcal  # the seeds are no longer eaten
    loaded = day_get_for(user=person, on=day.date)
    assert [meal.name for meal in loaded.ordered_meals] == ["Breakfast", "Dinner", "Snacks"]
    summary = week_summary(user=person, week_start=day.date, profile=profile_for(user=person))
    assert summary.days[0].item_count == 1 + 1  # Dinner's item and the dose
    shopping = shopping_list_for(user=person, start=day.date, end=day.date)
    foods = {line.food.description for aisle in shopping.aisles for line in aisle.lines}
    assert "Pumpkin seeds" not in foods

    services.meal_restore(meal=lunch, editor=person)
    restored = score(person, day.date)
    assert restored == before
    loaded = day_get_for(user=person, on=day.date)
    assert [meal.name for meal in loaded.ordered_meals] == [
        "Breakfast",
        "Lunch",
        "Dinner",
        "Snacks",
    ]


def test_restore_after_a_same_named_meal_was_added_renames_it(day, person):
    lunch = day.meals.get(name="Lunch")
    services.meal_delete(meal=lunch, editor=person)
    services.meal_add(day=day, name="Lunch", editor=person)
    services.meal_restore(meal=lunch, editor=person)
    lunch.refresh_from_db()
    assert lunch.name == "Lunch (2)"


def test_copying_the_day_leaves_the_deleted_meal_behind(day, person):
    services.meal_delete(meal=day.meals.get(name="Lunch"), editor=person)
    target = day.date.replace(day=1) if day.date.day != 1 else day.date.replace(day=2)
    services.day_copy(source=day, dates=[target], mode="replace", editor=person)
    copied = day_get_for(user=person, on=target)
    assert "Lunch" not in {meal.name for meal in copied.ordered_meals}


def test_without_javascript_delete_shows_undo_and_undo_restores(client, day, person):
    lunch = day.meals.get(name="Lunch")
    day_url = reverse("plans:day", args=[day.date.isoformat()])
    response = client.post(reverse("plans:meal_delete", args=[lunch.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{day_url}?undo_meal={lunch.pk}#undo"
    html = client.get(response["Location"]).content.decode()
    assert "Deleted Lunch." in html
    assert f'action="{reverse("plans:meal_restore", args=[lunch.pk])}"' in html
    # The deleted meal is a 404 for other writes until restored.
    assert client.post(reverse("plans:meal_rename", args=[lunch.pk])).status_code == 404
    undo = client.post(reverse("plans:meal_restore", args=[lunch.pk]))
    assert undo.status_code == 302
    assert day_get_for(user=person, on=day.date).ordered_meals[1].pk == lunch.pk


def test_htmx_delete_answers_the_meals_with_the_undo_bar_and_the_score(client, day):
    lunch = day.meals.get(name="Lunch")
    response = client.post(reverse("plans:meal_delete", args=[lunch.pk]), **HTMX)
    html = response.content.decode()
    assert 'id="undo-button"' in html
    assert f'id="meal-{lunch.pk}"' not in html
    assert 'id="day-score"' in html


def test_a_stale_version_is_a_409_for_delete_and_restore(client, day, person):
    lunch = day.meals.get(name="Lunch")
    version = f"{day.pk}:{day_get_for(user=person, on=day.date).version}"
    services.day_notes_update(day=day, notes="elsewhere", editor=person)
    stale = client.post(reverse("plans:meal_delete", args=[lunch.pk]), {"day_version": version})
    assert stale.status_code == 409
    lunch.refresh_from_db()
    assert lunch.deleted_at is None
    services.meal_delete(meal=lunch, editor=person)
    stale = client.post(reverse("plans:meal_restore", args=[lunch.pk]), {"day_version": version})
    assert stale.status_code == 409
    lunch.refresh_from_db()
    assert lunch.deleted_at is not None


def test_restore_into_a_full_day_is_a_422_and_nothing_changes(client, day, person):
    lunch = day.meals.get(name="Lunch")
    services.meal_delete(meal=lunch, editor=person)
    for number in range(services.MAX_MEALS_PER_DAY - 3):
        services.meal_add(day=day, name=f"Extra {number}", editor=person)
    response = client.post(reverse("plans:meal_restore", args=[lunch.pk]))
    assert response.status_code == 422
    assert "at most 12 meals" in response.content.decode()
    lunch.refresh_from_db()
    assert lunch.deleted_at is not None
