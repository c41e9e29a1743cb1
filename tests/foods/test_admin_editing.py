"""Editing database foods in the admin: what an editor may change, household measures,
deleting a food only deleted rows still name, and the macronutrient total."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from foods.food_file import parse_food_file
from foods.models import (
    MACRONUTRIENT_FIELDS,
    MAX_MACRONUTRIENTS_G_PER_100G,
    MIN_PORTION_AMOUNT,
    Food,
    Portion,
    macronutrients_error,
)
from foods.services import FOOD_FIELDS, SHIPPED_FILE, custom_food_create, food_data_load
from plans.models import MealItem
from tests.factories import (
    FoodFactory,
    MealFactory,
    MealItemFactory,
    PortionFactory,
    RecipeIngredientFactory,
    UserFactory,
)
from tests.foods import test_admin, test_load_foods
from tests.foods.test_admin import _cells, _export_csv_fields, _import, change_data, food_data
from tests.foods.test_load_foods import rewrite

# The fixtures of the admin and loader tests (`editor`: tests/foods/conftest.py).
seeds = test_admin.seeds
small_file = test_load_foods.small_file

db = pytest.mark.django_db


def _change(client, food: Food, **changes: object):
    return client.post(
        reverse("admin:foods_food_change", args=[food.pk]), change_data(food, **changes)
    )


# ---- the code, and the source, say which food it is ----


@db
def test_the_change_page_shows_the_code_but_does_not_take_a_new_one(client, editor, seeds) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    html = client.get(url).content.decode()
    assert 'name="code"' not in html
    assert "12014" in html

    response = _change(client, seeds, code="99999", magnesium_mg_per_100g=590)

    assert response.status_code == 302
    seeds.refresh_from_db()
    assert (seeds.code, seeds.magnesium_mg_per_100g) == ("12014", 590)


@db
def test_an_edited_food_stays_the_one_the_next_load_updates(
    client,
    editor,
    small_file: Path,
) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(source="usda_sr28", code="12014")
    assert _change(client, seeds, code="12014x").status_code == 302

    food_data_load(path=small_file, force=True)

    assert Food.objects.filter(description=seeds.description).count() == 1
    assert Food.objects.get(pk=seeds.pk).code == "12014"


@db
def test_an_editor_adds_a_database_food_with_its_code(client, editor) -> None:
    html = client.get(reverse("admin:foods_food_add")).content.decode()
    assert '<input type="text" name="code"' in html
    assert 'value="custom"' not in html
    data = food_data(FoodFactory.build(code="99123", description="Seeds, new"))
    data.update({"portions-TOTAL_FORMS": 0, "portions-INITIAL_FORMS": 0})

    assert client.post(reverse("admin:foods_food_add"), data).status_code == 302

    food = Food.objects.get(code="99123")
    assert (food.source, food.owner, food.description) == ("usda_sr28", None, "Seeds, new")


@db
def test_a_csv_row_with_another_code_is_another_food_not_a_new_code(client, editor, seeds) -> None:
    exported = _export_csv_fields(client, ["source", "code", *FOOD_FIELDS])
    header, row = csv.reader(io.StringIO(exported))
    row[header.index("code")] = "12099"
    changed = io.StringIO()
    csv.writer(changed).writerows([header, row])

    html = _import(client, changed.getvalue()).content.decode()
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert client.post(reverse("admin:foods_food_process_import"), form).status_code == 302

    seeds.refresh_from_db()
    assert seeds.code == "12014"
    assert sorted(Food.objects.values_list("code", flat=True)) == ["12014", "12099"]


@db
def test_an_editor_cannot_make_a_database_food_a_custom_food(client, editor, seeds) -> None:
    response = _change(client, seeds, source="custom")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    seeds.refresh_from_db()
    assert (seeds.source, seeds.owner) == ("usda_sr28", None)
    assert client.get(reverse("foods:search"), {"q": "pumpkin"}).status_code == 200


@db
@pytest.mark.parametrize(
    ("source", "owned", "message"),
    [
        (
            "custom",
            False,
            "A custom food belongs to the person who made it: "
            "a database food's source is its database.",
        ),
        ("usda_sr28", True, "A person's own food has the source “Custom food”."),
    ],
)
def test_a_custom_food_and_only_a_custom_food_has_an_owner(source, owned, message) -> None:
    food = FoodFactory.build(source=source, owner=UserFactory() if owned else None)
    with pytest.raises(ValidationError) as error:
        food.full_clean()
    assert error.value.message_dict["source"] == [message]


# ---- household measures ----


@db
def test_another_measure_saves_first_time_and_goes_last(client, editor, seeds) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    html = client.get(url).content.decode()
    # What "Add another" puts in the new row's order box.
    empty = re.search(r'<input[^>]*name="portions-__prefix__-seq"[^>]*>', html)
    assert empty is not None
    prefilled = re.search(r'value="([^"]*)"', empty.group())
    data = change_data(seeds, **{"portions-TOTAL_FORMS": 3})
    for index, (unit, grams) in enumerate([("tbsp", 8.5), ("oz", 28.35)], start=1):
        data.update(
            {
                f"portions-{index}-seq": prefilled.group(1) if prefilled else "",
                f"portions-{index}-amount": "1",
                f"portions-{index}-unit": unit,
                f"portions-{index}-grams": grams,
            }
        )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert [(p.seq, p.label) for p in seeds.portions.all()] == [
        (1, "1 cup"),
        (2, "1 tbsp"),
        (3, "1 oz"),
    ]


@db
def test_two_measures_with_one_number_are_refused_in_words(client, editor, seeds) -> None:
    data = change_data(seeds, **{"portions-TOTAL_FORMS": 2})
    data.update({"portions-1-seq": 1, "portions-1-amount": 1, "portions-1-unit": "oz"})
    data["portions-1-grams"] = 28.35

    html = client.post(reverse("admin:foods_food_change", args=[seeds.pk]), data).content.decode()

    assert "Two household measures have the same order number" in html
    assert "duplicate data for seq" not in html
    assert seeds.portions.count() == 1


@pytest.fixture
def cup_and_oz(seeds) -> Food:
    PortionFactory(food=seeds, seq=2, unit="oz", grams=28.35)
    return seeds


@db
@pytest.mark.parametrize(
    ("changes", "order"),
    [
        # A swap.
        ({"portions-0-seq": 2, "portions-1-seq": 1}, ["1 oz", "1 cup"]),
        # The first measure takes the number of one deleted after it in the table.
        ({"portions-0-seq": 2, "portions-1-DELETE": "on"}, ["1 cup"]),
        # A turn of three, the new measure taking the number the first gives up.
        (
            {
                "portions-TOTAL_FORMS": 3,
                "portions-0-seq": 2,
                "portions-1-seq": 3,
                "portions-2-seq": 1,
                "portions-2-amount": 1,
                "portions-2-unit": "tbsp",
                "portions-2-grams": 8.5,
            },
            ["1 tbsp", "1 cup", "1 oz"],
        ),
    ],
)
def test_measures_trade_order_numbers_in_one_save(client, editor, cup_and_oz, changes, order):
    response = _change(client, cup_and_oz, **changes)

    assert response.status_code == 302
    assert [p.label for p in cup_and_oz.portions.all()] == order


@db
def test_a_swap_of_order_numbers_is_in_the_history_as_it_was_asked(client, editor, cup_and_oz):
    response = _change(client, cup_and_oz, **{"portions-0-seq": 2, "portions-1-seq": 1})
    assert response.status_code == 302
    html = client.get(reverse("admin:foods_food_history", args=[cup_and_oz.pk])).content

    # The spare numbers they passed through on the way are no version of either measure.
    assert "1 cup, order: 1 → 2 1 oz, order: 2 → 1" in _cells(html.decode())
    assert not Portion.history.filter(seq__gt=2).exists()


@db
def test_a_measure_number_taken_by_another_is_refused_in_words(seeds) -> None:
    with pytest.raises(ValidationError) as error:
        Portion(food=seeds, seq=1, unit="oz", grams=28.35).full_clean()
    assert error.value.messages == [
        "Another household measure of this food already has this order number."
    ]


@db
@pytest.mark.parametrize("amount", ["0", "0.000", "-1"])
def test_a_measure_of_nothing_is_refused(client, editor, seeds, amount) -> None:
    response = _change(client, seeds, **{"portions-0-amount": amount})

    assert response.status_code == 200
    assert "The amount must be more than 0: 1 for “1 cup”" in response.content.decode()
    assert [p.label for p in seeds.portions.all()] == ["1 cup"]


@db
def test_the_database_refuses_a_measure_of_nothing(seeds) -> None:
    with pytest.raises(IntegrityError):
        PortionFactory(food=seeds, seq=2, amount=0)


def test_every_shipped_measure_has_an_amount() -> None:
    food_file = parse_food_file(SHIPPED_FILE.read_bytes())
    assert min(p.amount for r in food_file.foods for p in r.portions) >= MIN_PORTION_AMOUNT


# ---- deleting a database food ----


@pytest.fixture
def undo_only(seeds) -> list[MealItem]:
    """Two items only Undo holds: one deleted, one in a deleted meal."""
    from django.utils import timezone

    deleted = MealItemFactory(food=seeds, grams=50, deleted_at=timezone.now())
    in_deleted_meal = MealItemFactory(
        food=seeds, grams=60, meal=MealFactory(deleted_at=timezone.now())
    )
    return [deleted, in_deleted_meal]


def _delete_page(client, food: Food) -> str:
    return client.get(reverse("admin:foods_food_delete", args=[food.pk])).content.decode()


@db
def test_a_food_only_deleted_items_name_is_deleted_with_them(
    client, editor, seeds, undo_only
) -> None:
    html = _delete_page(client, seeds)
    assert "Meal item" not in html
    assert "Are you sure" in html
    # Asking is not deleting: the rows stay until the editor confirms.
    assert MealItem.objects.filter(pk__in=[i.pk for i in undo_only]).count() == 2

    url = reverse("admin:foods_food_delete", args=[seeds.pk])
    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Food.objects.filter(pk=seeds.pk).exists()
    assert not MealItem.objects.filter(pk__in=[i.pk for i in undo_only]).exists()


@db
def test_a_bulk_delete_takes_foods_only_deleted_items_name(
    client, editor, seeds, undo_only
) -> None:
    other = FoodFactory()
    url = reverse("admin:foods_food_changelist")
    action = {"action": "delete_selected", "_selected_action": [seeds.pk, other.pk]}
    html = client.post(url, action).content.decode()
    assert "Meal item" not in html
    assert MealItem.objects.filter(pk__in=[i.pk for i in undo_only]).count() == 2

    response = client.post(url, {**action, "post": "yes"})

    assert response.status_code == 302
    assert not Food.objects.filter(pk__in=[seeds.pk, other.pk]).exists()
    assert not MealItem.objects.filter(pk__in=[i.pk for i in undo_only]).exists()


@db
@pytest.mark.parametrize("bulk", [False, True])
def test_a_food_in_use_is_still_refused_with_where(client, editor, seeds, undo_only, bulk) -> None:
    live = MealItemFactory(food=seeds, grams=30)
    RecipeIngredientFactory(food=seeds, grams=40)
    if bulk:
        url = reverse("admin:foods_food_changelist")
        data = {"action": "delete_selected", "_selected_action": [seeds.pk], "post": "yes"}
    else:
        url, data = reverse("admin:foods_food_delete", args=[seeds.pk]), {"post": "yes"}

    html = client.post(url, data).content.decode()

    assert "would require deleting the following protected related objects" in html
    assert f"Meal item: 30 g {seeds.description}" in html
    assert f"Recipe ingredient: 40 g {seeds.description}" in html
    # The rows only Undo holds are not listed, and stay while the food does.
    assert "50 g" not in html
    assert "60 g" not in html
    assert Food.objects.filter(pk=seeds.pk).exists()
    assert MealItem.objects.filter(pk__in=[live.pk, *(i.pk for i in undo_only)]).count() == 3
    # The list names rows, not the people whose rows they are.
    owner = live.meal.day.plan.owner
    assert owner.email not in html
    assert owner.display_name not in html


@db
def test_a_custom_food_delete_still_refuses_while_its_owner_uses_it() -> None:
    from foods.services import custom_food_delete

    owner = UserFactory()
    food = custom_food_create(user=owner, description="Granola", magnesium_mg_per_100g=5)
    MealItemFactory(food=food, meal__day__plan__owner=owner)
    with pytest.raises(ValidationError, match="is still used in: your plan on"):
        custom_food_delete(food=food)
    assert Food.objects.filter(pk=food.pk).exists()


# ---- protein, fat and carbohydrate share the same 100 g ----


def test_three_macronutrients_over_100_g_are_refused_at_the_largest() -> None:
    found = macronutrients_error(
        {"protein_g_per_100g": 20, "fat_g_per_100g": 90, "carbohydrate_g_per_100g": None}
    )
    assert found == (
        "fat_g_per_100g",
        "Protein, fat and carbohydrate add up to 110 g per 100 g, but together they can be "
        "at most 100 g (the carbohydrate includes the fibre). Check each of them.",
    )
    # Rounded analyses of an oil or a sugar sit a little over 100 g.
    assert macronutrients_error({"protein_g_per_100g": 0.56, "fat_g_per_100g": 99.6}) is None
    assert macronutrients_error({"fat_g_per_100g": 100, "carbohydrate_g_per_100g": 1}) is None


def test_every_shipped_food_is_within_the_macronutrient_total_with_room_to_spare() -> None:
    food_file = parse_food_file(SHIPPED_FILE.read_bytes())
    totals = [
        sum(record.values()[field] or 0 for field in MACRONUTRIENT_FIELDS)
        for record in food_file.foods
    ]
    # Bearded seal oil, 0.56 g protein + 99.6 g fat: the tolerance is rounding, not slack.
    assert round(max(totals), 2) == 100.16
    assert MAX_MACRONUTRIENTS_G_PER_100G - max(totals) > 0.5


@db
def test_the_admin_refuses_90_90_90(client, editor, seeds) -> None:
    response = _change(
        client, seeds, protein_g_per_100g=90, fat_g_per_100g=90, carbohydrate_g_per_100g=90
    )
    assert response.status_code == 200
    assert "Protein, fat and carbohydrate add up to 270 g per 100 g" in response.content.decode()
    seeds.refresh_from_db()
    assert seeds.protein_g_per_100g is None


@db
def test_the_admin_keeps_one_message_for_one_slip(client, editor, seeds) -> None:
    html = _change(client, seeds, protein_g_per_100g=900).content.decode()
    assert "At most 100 g per 100 g" in html
    assert "add up to" not in html


@db
def test_a_custom_food_over_100_g_is_refused_at_the_field(client) -> None:
    client.force_login(UserFactory())
    data = {
        "description": "Protein bar",
        "magnesium_mg_per_100g": 50,
        "protein_g_per_100g": 60,
        "fat_g_per_100g": 30,
        "carbohydrate_g_per_100g": 40,
    }

    response = client.post(reverse("foods:custom_new"), data)

    assert response.status_code == 422
    assert "add up to 130 g per 100 g" in response.content.decode()
    assert not Food.objects.filter(description="Protein bar").exists()


@db
def test_the_loader_refuses_a_food_over_100_g_by_its_line(
    small_file: Path,
) -> None:
    from foods.food_file import FoodFileError

    rewrite(small_file, 3, lambda obj: obj.update(protein_g_per_100g=60, fat_g_per_100g=60))
    with pytest.raises(FoodFileError, match=r"line 3: .*add up to"):
        food_data_load(path=small_file)
    assert Food.objects.count() == 0


@db
def test_a_csv_row_over_100_g_is_refused(client, editor, seeds) -> None:
    fields = ["source", "code", "protein_g_per_100g", "fat_g_per_100g", "carbohydrate_g_per_100g"]
    header, row = csv.reader(io.StringIO(_export_csv_fields(client, fields)))
    row[2:] = ["90", "90", "90"]
    bad = io.StringIO()
    csv.writer(bad).writerows([header, row])

    html = _import(client, bad.getvalue()).content.decode()

    assert "Protein, fat and carbohydrate add up to 270 g per 100 g" in html
    seeds.refresh_from_db()
    assert seeds.protein_g_per_100g is None
