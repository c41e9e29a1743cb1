"""The day page's compact item rows, the edit form on demand, and the one-meal responses."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import services
from plans.models import MealItem
from plans.selectors import day_get_for
from tests.factories import FoodFactory, MealItemFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def day(client, person):
    # Made without rendering its page: tests write to it directly, which the page cache
    # (mgplanner/page_cache.py) cannot see.
    today = timezone.localdate()
    services.day_get_or_create(user=person, on=today)
    return day_get_for(user=person, on=today)


def day_html(client, day, query: str = "") -> str:
    response = client.get(reverse("plans:day", args=[day.date.isoformat()]) + query)
    assert response.status_code == 200
    return response.content.decode()


def figures(html: str) -> dict[str, str]:
    """id -> text of every effective-mg figure (meals, items, recipes)."""
    found = re.findall(r'<span class="(?:meal|item)-mg" id="([^"]+)"[^>]*>([^<]*)</span>', html)
    return dict(found)


def test_item_rows_are_compact_with_an_edit_link(client, day):
    meal = day.ordered_meals[0]
    item = MealItemFactory(meal=meal)
    html = day_html(client, day)
    assert f'id="item-{item.pk}-grams"' not in html
    day_url = reverse("plans:day", args=[day.date.isoformat()])
    link = re.search(rf'<a href="([^"]+)" id="meal-item-{item.pk}-edit"[^>]*hx-get="([^"]+)"', html)
    assert link, html
    assert link.group(1) == f"{day_url}?edit={item.pk}#meal-item-{item.pk}"
    assert link.group(2) == reverse("plans:meal_item_edit", args=[item.pk])


def test_edit_query_opens_that_one_items_form_without_javascript(client, day):
    meal = day.ordered_meals[0]
    item, other = MealItemFactory.create_batch(2, meal=meal, grams=42)
    html = day_html(client, day, f"?edit={item.pk}")
    assert f'id="item-{item.pk}-grams"' in html
    assert 'value="42"' in html
    assert f'id="item-{other.pk}-grams"' not in html
    assert f'id="meal-item-{other.pk}-edit"' in html


def test_edit_fragment_and_cancel(client, day):
    item = MealItemFactory(meal=day.ordered_meals[1], grams=30)
    url = reverse("plans:meal_item_edit", args=[item.pk])
    html = client.get(url, **HTMX).content.decode()
    assert html.lstrip().startswith(f'<li class="meal-item" id="meal-item-{item.pk}">')
    assert f'id="item-{item.pk}-grams"' in html
    assert f'hx-target="#meal-{item.meal_id}"' in html
    assert "<html" not in html
    closed = client.get(url + "?cancel=1", **HTMX).content.decode()
    assert f'id="item-{item.pk}-grams"' not in closed
    assert f'id="meal-item-{item.pk}-edit"' in closed
    # Without htmx the link is the page with the form open.
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?edit={item.pk}#meal-item-{item.pk}")


def test_edit_fragment_of_someone_elses_item_is_404(client, day):
    stranger_item = MealItemFactory()
    url = reverse("plans:meal_item_edit", args=[stranger_item.pk])
    assert client.get(url, **HTMX).status_code == 404


def test_htmx_add_answers_one_meal_with_the_others_figures_out_of_band(client, day):
    breakfast, lunch = day.ordered_meals[0], day.ordered_meals[1]
    MealItemFactory(meal=breakfast, food=FoodFactory(calcium_mg_per_100g=0), grams=100)
    lunch_item = MealItemFactory(meal=lunch, food=FoodFactory(calcium_mg_per_100g=0), grams=100)
    before = figures(day_html(client, day))
    # A lot of calcium at breakfast lowers absorption across the whole day.
    cheese = FoodFactory(description="Hard cheese", calcium_mg_per_100g=1200, phytate_mg_per_100g=0)
    response = client.post(
        reverse("plans:meal_item_add", args=[breakfast.pk]),
        {f"add-{breakfast.pk}-food": cheese.pk, f"add-{breakfast.pk}-grams": "300"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section class="meal card" id="meal-{breakfast.pk}"')
    assert f'id="meal-{lunch.pk}"' not in html
    assert "Hard cheese" in html
    assert 'id="day-score"' in html
    # Of the supplement panel only its vitamin D note's slot follows (it depends on the score).
    assert 'id="day-supplements"' not in html
    assert '<div id="vitamin-d-slot" hx-swap-oob="true">' in html
    assert f'id="q-{lunch.pk}"' not in html  # no other meal's forms
    # Every other meal's figures come along out of band, and say what a fresh page says.
    fresh = figures(day_html(client, day))
    sent = figures(html)
    lunch_figure = f"meal-item-{lunch_item.pk}-mg"
    assert f'id="{lunch_figure}" hx-swap-oob="true"' in html
    assert sent[lunch_figure] == fresh[lunch_figure] != before[lunch_figure]
    for meal in day.ordered_meals[1:]:
        assert sent[f"meal-{meal.pk}-mg"] == fresh[f"meal-{meal.pk}-mg"]


def test_htmx_add_with_bad_grams_is_422_with_that_meal_only(client, day):
    meal = day.ordered_meals[2]
    food = FoodFactory()
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": food.pk, f"add-{meal.pk}-grams": "-5"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith(f'<section class="meal card" id="meal-{meal.pk}"')
    assert 'aria-invalid="true"' in html
    assert not MealItem.objects.filter(meal=meal).exists()


def test_htmx_update_answers_the_meal_and_a_bad_value_keeps_the_form_open(client, day):
    item = MealItemFactory(meal=day.ordered_meals[0], grams=30)
    url = reverse("plans:meal_item_update", args=[item.pk])
    response = client.post(url, {f"item-{item.pk}-grams": "45"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section class="meal card" id="meal-{item.meal_id}"')
    assert f'id="item-{item.pk}-grams"' not in html  # saved: the row is compact again
    item.refresh_from_db()
    assert item.grams == 45
    response = client.post(url, {f"item-{item.pk}-grams": "lots"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert f'id="item-{item.pk}-grams"' in html
    assert 'aria-invalid="true"' in html
    item.refresh_from_db()
    assert item.grams == 45
