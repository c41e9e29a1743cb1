"""The foods pages: search (full page, htmx fragment, no-JS form), detail, visibility."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mgplanner.page_cache import site_stamp_bump
from tests.factories import FoodFactory, PortionFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "food-results"}


@pytest.fixture
def seeds() -> object:
    food = FoodFactory(
        code="12014",
        description="Seeds, pumpkin and squash seed kernels, dried",
        kcal_per_100g=559,
        magnesium_mg_per_100g=592,
        phytate_mg_per_100g=1900,
        phytate_basis="cited",
        phytate_source="Schlemmer et al. 2009",
        oxalate_mg_per_100g=0,
        oxalate_basis="estimate",
        oxalate_source="rule nuts",
    )
    PortionFactory(food=food, seq=1, unit="cup", grams=129)
    PortionFactory(food=food, seq=2, unit="oz", grams=28.35)
    FoodFactory(
        code="11422", description="Pumpkin, raw", food_group="Vegetables", magnesium_mg_per_100g=12
    )
    return food


def test_search_page_has_an_accessible_as_you_type_form(client, seeds) -> None:
    html = client.get(reverse("foods:search")).content.decode()
    assert '<label for="food-q">Search foods</label>' in html
    assert 'hx-trigger="input changed delay:200ms, search"' in html
    assert 'hx-push-url="true"' in html
    assert 'aria-live="polite"' in html
    # Without JS the form is a plain GET to the same page.
    assert f'method="get" action="{reverse("foods:search")}"' in html


def test_search_without_js_renders_results_in_the_full_page(client, seeds) -> None:
    response = client.get(reverse("foods:search"), {"q": "pumpkin seed"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "1 food match “pumpkin seed”" in html
    assert "Seeds, pumpkin and squash seed kernels, dried" in html
    assert "Pumpkin, raw" not in html


def test_htmx_search_returns_only_the_results_fragment(client, seeds) -> None:
    html = client.get(reverse("foods:search"), {"q": "pump"}, **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="food-results">')
    assert "<html" not in html
    # Mg per 100 kcal (592/559*100) and per first portion (1 cup, 129 g).
    assert ">106<" in html
    assert '764 <span class="muted small">in 1 cup</span>' in html


def test_empty_search_starts_with_the_richest_foods(client, seeds) -> None:
    html = client.get(reverse("foods:search")).content.decode()
    assert "Foods richest in magnesium" in html
    assert html.index("Seeds, pumpkin") < html.index("Pumpkin, raw")


def test_nothing_found_says_how_to_search(client, seeds) -> None:
    html = client.get(reverse("foods:search"), {"q": "zzzz"}).content.decode()
    assert "Nothing matches" in html


def test_bad_parameters_fall_back_to_defaults(client, seeds) -> None:
    response = client.get(
        reverse("foods:search"), {"q": "pumpkin", "sort": "bogus", "offset": "-3", "group": "x"}
    )
    assert response.status_code == 200
    assert "Pumpkin, raw" in response.content.decode()


def test_food_groups_are_kept_until_the_food_database_changes(client, seeds) -> None:
    def group_options() -> list[str]:
        html = client.get(reverse("foods:search")).content.decode()
        select = html.split('name="group"')[1].split("</select>")[0]
        return re.findall(r'<option value="([^"]+)"', select)

    assert "Vegetables" in group_options()
    FoodFactory(description="Cocoa", food_group="Sweets")
    # Kept under the site stamp: a scan of every food on each search, saved.
    with CaptureQueriesContext(connection) as queries:
        assert "Sweets" not in group_options()
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    # An admin write or a food load replaces the stamp (mgplanner/page_cache.py).
    site_stamp_bump()
    assert "Sweets" in group_options()


def test_more_link_appends_the_next_rows(client, db) -> None:
    for n in range(35):
        FoodFactory(description=f"Beans, variety {n:02d}", magnesium_mg_per_100g=100 + n)
    html = client.get(reverse("foods:search"), {"q": "beans"}).content.decode()
    assert html.count("Beans, variety") == 30
    assert "Show more (5 left)" in html
    more = client.get(
        reverse("foods:search"),
        {"q": "beans", "offset": 30},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="food-more",
    ).content.decode()
    assert more.count("Beans, variety") == 5
    assert "<table" not in more
    assert "Show more" not in more


def test_detail_shows_nutrients_per_100g_and_per_portion(client, seeds) -> None:
    html = client.get(reverse("foods:detail", args=[seeds.pk])).content.decode()
    assert "592 mg</strong> per 100 g" in html
    assert "106 mg</strong> per 100 kcal" in html
    assert "1 cup" in html
    assert "1 oz" in html
    # Magnesium in a cup: 592 * 1.29.
    assert ">764<" in html
    assert "Literature value" in html
    assert "Schlemmer et al. 2009" in html
    assert "Phytate binds magnesium" in html
    assert reverse("model") in html


def test_detail_of_a_database_food_shows_every_antinutrient_value_with_its_basis(
    client, seeds
) -> None:
    # A database food's 0 mg is a value a rule or a study gave, never "not entered".
    html = client.get(reverse("foods:detail", args=[seeds.pk])).content.decode()
    assert "1,900 mg per 100 g, 2,451 mg in 1 cup." in html
    assert "0 mg per 100 g, 0 mg in 1 cup." in html
    assert "Estimate by rule" in html
    assert "Source: rule nuts" in html
    assert "“Estimate”: set by a rule for foods of this kind, not measured." in html
    assert "Not entered" not in html
    assert "entered by you" not in html


def test_detail_of_someone_elses_custom_food_is_404(client, db) -> None:
    owner, other = UserFactory(), UserFactory()
    food = FoodFactory(source="custom", code="c1", description="Granola", owner=owner)
    client.force_login(other)
    assert client.get(reverse("foods:detail", args=[food.pk])).status_code == 404
    client.force_login(owner)
    response = client.get(reverse("foods:detail", args=[food.pk]))
    assert response.status_code == 200
    assert reverse("foods:custom_edit", args=[food.pk]) in response.content.decode()


def test_detail_of_a_missing_food_is_404(client, db) -> None:
    assert client.get(reverse("foods:detail", args=[999999])).status_code == 404
