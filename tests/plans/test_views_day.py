import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import person_on
from plans import services
from plans.models import Day, MealItem
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    PortionFactory,
    ProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def day_url(on):
    return reverse("plans:day", args=[on.isoformat()])


def open_day(client, on):
    response = client.get(day_url(on))
    assert response.status_code == 200
    return response


def first_meal(user, on):
    return day_get_for(user=user, on=on).ordered_meals[0]


def new_day(user, on):
    """The day with its default meals, made without rendering (and caching) its page:
    tests then write to it directly, which the page cache cannot see."""
    services.day_get_or_create(user=user, on=on)


def test_first_visit_creates_the_day_with_four_default_meals(client, person, today):
    response = open_day(client, today)
    html = response.content.decode()
    for name in ("Breakfast", "Lunch", "Dinner", "Snacks"):
        assert f">{name}</h2>" in html
    assert 'id="day-score"' in html
    assert 'aria-live="polite"' in html
    assert Day.objects.filter(plan__owner=person, date=today).count() == 1


def test_add_food_without_js_redirects_back_and_the_score_rises(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    seeds = FoodFactory(description="Pumpkin seeds", magnesium_mg_per_100g=592)
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {
            f"add-{meal.pk}-food": seeds.pk,
            f"add-{meal.pk}-grams": "28",
            f"add-{meal.pk}-preparation": "none",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(day_url(today))
    item = MealItem.objects.get(meal=meal)
    assert item.grams == 28
    html = client.get(day_url(today)).content.decode()
    assert "Pumpkin seeds" in html
    assert "165.8 mg →" in html  # 28 g x 592 mg/100 g on the plate


def test_add_food_by_household_measure_computes_grams(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    portion = PortionFactory(unit="oz", grams=28.35)
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {
            f"add-{meal.pk}-food": portion.food.pk,
            f"add-{meal.pk}-portion": portion.pk,
            f"add-{meal.pk}-portion_quantity": "2",
        },
    )
    assert response.status_code == 302
    item = MealItem.objects.get(meal=meal)
    assert item.grams == pytest.approx(56.7)
    assert item.amount_label == "2 × 1 oz (56.7 g)"


def test_htmx_add_returns_the_meal_and_the_score_panel_out_of_band(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    seeds = FoodFactory(description="Pumpkin seeds")
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": seeds.pk, f"add-{meal.pk}-grams": "30"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section class="meal card" id="meal-{meal.pk}"')
    assert 'id="day-meals"' not in html
    assert 'id="day-score"' in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("grams", "message"),
    [("-5", "above 0"), ("0", "above 0"), ("5001", "At most 5,000 g"), ("lots", "number of grams")],
)
def test_bad_grams_is_422_with_the_field_error_and_nothing_saved(
    client, person, today, grams, message
):
    open_day(client, today)
    meal = first_meal(person, today)
    kept = MealItemFactory(meal=meal, grams=40)
    food = FoodFactory()
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": food.pk, f"add-{meal.pk}-grams": grams},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert list(MealItem.objects.filter(meal=meal)) == [kept]


def test_unknown_or_foreign_custom_food_is_422(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    foreign = FoodFactory(source="custom", owner=UserFactory())
    for food_id in ("999999", str(foreign.pk)):
        response = client.post(
            reverse("plans:meal_item_add", args=[meal.pk]),
            {f"add-{meal.pk}-food": food_id, f"add-{meal.pk}-grams": "30"},
            **HTMX,
        )
        assert response.status_code == 422
        assert "not in the database" in response.content.decode()
    assert not MealItem.objects.filter(meal=meal).exists()


def test_another_persons_meal_and_item_are_404(client, person, today):
    other = ProfileFactory().user
    client.force_login(other)
    open_day(client, today)
    their_meal = first_meal(other, today)
    their_item = MealItemFactory(meal=their_meal)
    client.force_login(person)
    assert client.post(reverse("plans:meal_item_delete", args=[their_item.pk])).status_code == 404
    assert (
        client.post(
            reverse("plans:meal_item_update", args=[their_item.pk]),
            {f"item-{their_item.pk}-grams": "1"},
        ).status_code
        == 404
    )
    assert client.post(reverse("plans:meal_delete", args=[their_meal.pk])).status_code == 404
    assert client.get(reverse("plans:food_picker", args=[their_meal.pk])).status_code == 404
    their_item.refresh_from_db()
    assert their_item.deleted_at is None


def test_delete_then_undo_without_js(client, person, today):
    open_day(client, today)
    item = MealItemFactory(meal=first_meal(person, today))
    response = client.post(reverse("plans:meal_item_delete", args=[item.pk]))
    assert response.status_code == 302
    assert f"undo={item.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="undo-button"' in page
    assert f'id="meal-item-{item.pk}"' not in page
    response = client.post(reverse("plans:meal_item_restore", args=[item.pk]))
    assert response.status_code == 302
    assert f'id="meal-item-{item.pk}"' in client.get(day_url(today)).content.decode()


def test_htmx_delete_offers_undo_in_the_fragment(client, person, today):
    open_day(client, today)
    item = MealItemFactory(meal=first_meal(person, today))
    html = client.post(reverse("plans:meal_item_delete", args=[item.pk]), **HTMX).content.decode()
    assert 'id="undo-button"' in html
    assert reverse("plans:meal_item_restore", args=[item.pk]) in html


def test_inline_edit_switches_to_a_household_measure(client, person, today):
    open_day(client, today)
    portion = PortionFactory(grams=10)
    item = MealItemFactory(meal=first_meal(person, today), food=portion.food, grams=30)
    response = client.post(
        reverse("plans:meal_item_update", args=[item.pk]),
        {
            f"item-{item.pk}-portion": portion.pk,
            f"item-{item.pk}-portion_quantity": "3",
            f"item-{item.pk}-preparation": "soaked",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.grams, item.portion, item.preparation) == (30, portion, "soaked")


def test_preparation_is_offered_only_for_foods_with_phytate(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    with_phytate = MealItemFactory(meal=meal, food=FoodFactory(phytate_mg_per_100g=500))
    without = MealItemFactory(meal=meal, food=FoodFactory(phytate_mg_per_100g=0))
    for item, offered in [(with_phytate, True), (without, False)]:
        # The edit form is loaded on demand (the "Edit" link).
        html = client.get(reverse("plans:meal_item_edit", args=[item.pk]), **HTMX).content.decode()
        assert (f'id="item-{item.pk}-preparation"' in html) is offered


def test_meals_add_rename_move_delete(client, person, today):
    open_day(client, today)
    response = client.post(
        reverse("plans:meal_add", args=[today.isoformat()]), {"add-meal-name": "Second breakfast"}
    )
    assert response.status_code == 302
    day = day_get_for(user=person, on=today)
    names = [m.name for m in day.ordered_meals]
    assert names == ["Breakfast", "Lunch", "Dinner", "Snacks", "Second breakfast"]
    new = day.ordered_meals[-1]
    client.post(reverse("plans:meal_move", args=[new.pk]), {"direction": "up"})
    client.post(reverse("plans:meal_rename", args=[new.pk]), {f"meal-{new.pk}-name": "Elevenses"})
    client.post(reverse("plans:meal_delete", args=[day.ordered_meals[0].pk]))
    day = day_get_for(user=person, on=today)
    assert [m.name for m in day.ordered_meals] == ["Lunch", "Dinner", "Elevenses", "Snacks"]
    assert day.version > 1


def test_duplicate_meal_name_is_422(client, person, today):
    open_day(client, today)
    response = client.post(
        reverse("plans:meal_add", args=[today.isoformat()]), {"add-meal-name": "lunch"}, **HTMX
    )
    assert response.status_code == 422
    assert "already a meal called" in response.content.decode()


@pytest.mark.parametrize("offset", ["before_birth", "too_far"])
def test_day_outside_the_plan_is_404_to_read_and_422_to_write(client, person, today, offset):
    on = (
        person.profile.date_of_birth - timedelta(days=1)
        if offset == "before_birth"
        else today + timedelta(days=800)
    )
    assert client.get(day_url(on)).status_code == 404
    response = client.post(
        reverse("plans:meal_add", args=[on.isoformat()]), {"add-meal-name": "Tea"}, **HTMX
    )
    assert response.status_code == 422
    assert "cannot be planned" in response.content.decode()
    assert not Day.objects.filter(date=on).exists()


def test_malformed_date_is_404(client, person):
    assert client.get("/plan/day/2026-02-30/").status_code == 404
    assert client.get("/plan/day/yesterday/").status_code == 404


def test_notes_are_saved_without_js(client, person, today):
    open_day(client, today)
    response = client.post(
        reverse("plans:day_notes", args=[today.isoformat()]), {"notes": "  Felt tired.  "}
    )
    assert response.status_code == 302
    assert day_get_for(user=person, on=today).notes == "Felt tired."


def test_score_panel_shows_the_engines_numbers(client, person, today):
    new_day(person, today)
    meal = first_meal(person, today)
    MealItemFactory(meal=meal, grams=60, food=FoodFactory(description="Pumpkin seeds"))
    MealItemFactory(
        meal=meal,
        grams=200,
        food=FoodFactory(
            description="Spinach",
            phytate_mg_per_100g=0,
            oxalate_mg_per_100g=970,
            magnesium_mg_per_100g=79,
        ),
    )
    html = open_day(client, today).content.decode()
    day = day_get_for(user=person, on=today)
    score = score_day(day_to_engine(day, person_on(person.profile, today)))
    assert f"<strong>{score.effective_mg:,.0f} mg</strong> effective of your" in html
    assert f"{score.percent_of_target:,.0f} %" in html
    assert f"Your gut absorbs about <strong>{score.estimated_absorbed_mg:,.0f} mg" in html
    assert f"−{score.losses_mg.phytate:,.1f} mg" in html
    assert f"−{score.losses_mg.oxalate:,.1f} mg" in html
    assert score.target.label in html
    assert 'href="/model/"' in html
    top = re.findall(r"<li>([^<]+): [\d.,]+ mg effective</li>", html)
    assert top[0] == "Pumpkin seeds"


def _items(meal, count):
    """`count` items over up to ten foods, each food with two household measures."""
    foods = [FoodFactory() for _ in range(min(count, 10))]
    for food in foods:
        PortionFactory.create_batch(2, food=food)
    for n in range(count):
        MealItemFactory(meal=meal, food=foods[n % len(foods)], grams=10 + n)


def test_the_day_page_runs_the_same_number_of_queries_for_5_and_50_items(client, person, today):
    small_day, big_day = today, today + timedelta(days=1)
    new_day(person, small_day)
    new_day(person, big_day)
    _items(first_meal(person, small_day), 5)
    _items(first_meal(person, big_day), 50)
    with CaptureQueriesContext(connection) as small:
        open_day(client, small_day)
    with CaptureQueriesContext(connection) as big:
        response = open_day(client, big_day)
    assert response.content.decode().count('class="meal-item"') == 50
    assert len(small.captured_queries) == len(big.captured_queries)
    # The session with its user, the profile; the day, meals, items, doses, saved products;
    # recipes eaten and their ingredients
    assert len(big.captured_queries) <= 9


def test_an_htmx_add_runs_the_same_number_of_queries_for_5_and_50_items(client, person, today):
    counts = []
    for on, size in ((today, 5), (today + timedelta(days=1), 50)):
        new_day(person, on)
        meal = first_meal(person, on)
        _items(meal, size)
        food = FoodFactory()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                reverse("plans:meal_item_add", args=[meal.pk]),
                {f"add-{meal.pk}-food": food.pk, f"add-{meal.pk}-grams": "30"},
                **HTMX,
            )
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
        # Nothing re-read that the request has loaded (the meal, the food), and no query for
        # a constraint the database enforces anyway.
        sqls = [query["sql"] for query in queries.captured_queries]
        assert not [sql for sql in sqls if sql.startswith('SELECT 1 AS "a" FROM')]
        assert not [sql for sql in sqls if '"_check"' in sql]
    assert counts[0] == counts[1]
    # Session, meal, food; in the transaction: position, insert, day lock, version, history;
    # then the day (five), profile; the page cache's stamp for that date (lock, update);
    # the tests' own savepoints (two for each transaction).
    assert counts[1] <= 20


def test_picker_results_fragment_is_a_listbox_of_matching_foods(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    seeds = FoodFactory(description="Seeds, pumpkin and squash seed kernels, dried")
    FoodFactory(description="Milk, whole")
    response = client.get(reverse("plans:food_picker", args=[meal.pk]), {"q": "pumpkin"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="results-{meal.pk}"')
    assert f'role="listbox" id="listbox-{meal.pk}"' in html
    assert f'id="option-{meal.pk}-{seeds.pk}"' in html
    assert "Milk" not in html


def test_picking_a_food_without_js_shows_its_measures_and_preparation(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    portion = PortionFactory(unit="cup", grams=64)
    search = client.get(day_url(today), {"meal": meal.pk, "q": portion.food.description})
    link = f"?meal={meal.pk}&amp;food={portion.food.pk}#add-{meal.pk}"
    assert link in search.content.decode()
    page = client.get(day_url(today), {"meal": meal.pk, "food": portion.food.pk}).content.decode()
    assert f'name="add-{meal.pk}-food" value="{portion.food.pk}"' in page
    assert "1 cup (64 g)" in page
    assert f'id="add-{meal.pk}-preparation"' in page


def test_amount_form_fragment_for_htmx(client, person, today):
    open_day(client, today)
    meal = first_meal(person, today)
    food = FoodFactory()
    response = client.get(
        reverse("plans:food_amount_form", args=[meal.pk]), {"food": food.pk}, **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="add-{meal.pk}"')
    assert f'id="add-{meal.pk}-grams"' in html


def test_notes_with_htmx_return_the_notes_block_and_422_when_too_long(client, person, today):
    open_day(client, today)
    url = reverse("plans:day_notes", args=[today.isoformat()])
    ok = client.post(url, {"notes": "Magnesium with dinner"}, **HTMX)
    assert ok.status_code == 200
    assert ok.content.decode().lstrip().startswith('<form id="day-notes"')
    assert "Saved." in ok.content.decode()
    too_long = client.post(url, {"notes": "x" * 4001}, **HTMX)
    assert too_long.status_code == 422
    assert "at most 4000 characters" in too_long.content.decode()
    assert day_get_for(user=person, on=today).notes == "Magnesium with dinner"


def test_a_meal_says_its_effective_mg_of_what_is_on_the_plate(client, person, today):
    new_day(person, today)
    meal = first_meal(person, today)
    MealItemFactory(meal=meal, food=FoodFactory(magnesium_mg_per_100g=100), grams=100)
    html = open_day(client, today).content.decode()
    figure = re.search(rf'<span class="meal-mg" id="meal-{meal.pk}-mg">(.*?)</span>', html)
    assert figure is not None
    # "of 100 mg" alone read like a target.
    assert re.fullmatch(r"[\d,]+ mg effective of 100 mg on the plate", figure.group(1))


def test_a_day_has_one_url(client, person, today):
    # date.fromisoformat also reads 20261126 and 2026-W48-4; the URL takes YYYY-MM-DD only.
    for other in (today.strftime("%Y%m%d"), today.strftime("%G-W%V-%u")):
        assert client.get(f"/plan/day/{other}/").status_code == 404
    assert client.get(f"/plan/day/{today.isoformat()}/").status_code == 200


def test_a_change_is_announced_in_one_sentence_not_the_whole_panel(client, person, today):
    html = open_day(client, today).content.decode()
    # The live region stays on the page, empty until something changes; the panel is not one.
    assert re.search(r'<p id="score-announce"[^>]*aria-live="polite"[^>]*></p>', html)
    assert not re.search(r'<section id="day-score"[^>]*aria-live', html)
    meal = first_meal(person, today)
    food = FoodFactory(magnesium_mg_per_100g=100)
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": food.pk, f"add-{meal.pk}-grams": "100"},
        **HTMX,
    )
    said = re.search(
        r'<p id="score-announce"[^>]*hx-swap-oob="innerHTML">(.*?)</p>',
        response.content.decode(),
        re.S,
    )
    assert said is not None
    assert re.fullmatch(
        r"Score now [\d,]+ % of your target: [\d,]+ of [\d,]+ mg effective, [a-z ]+\.",
        said.group(1),
    )


def test_top_sources_name_each_food_once(client, person, today):
    """Oats at breakfast and at lunch are one source with both meals' effective mg, as in
    the report (`plans.reports.source_lines`), not "Oats, Oats"."""
    day = services.day_get_or_create(user=person, on=today, editor=person)
    oats = FoodFactory(description="Oats", magnesium_mg_per_100g=138, phytate_mg_per_100g=0)
    seeds = FoodFactory(description="Pumpkin seeds", magnesium_mg_per_100g=592)
    for meal, grams in (("Breakfast", 40), ("Lunch", 60)):
        MealItemFactory(meal=day.meals.get(name=meal), food=oats, grams=grams)
    MealItemFactory(meal=day.meals.get(name="Snacks"), food=seeds, grams=10)
    html = client.get(reverse("plans:day", args=[today.isoformat()])).content.decode()
    listed = re.search(r'<ol class="top-sources small">(.*?)</ol>', html, re.S).group(1)
    names = re.findall(r"<li>([^:<]+):", listed)
    assert names == ["Oats", "Pumpkin seeds"]
    score = score_day(
        day_to_engine(day_get_for(user=person, on=today), person_on(person.profile, today))
    )
    oats_mg = sum(
        item.effective_mg for o in score.occasions for item in o.items if item.name == "Oats"
    )
    assert f"Oats: {oats_mg:.1f} mg effective" in listed
