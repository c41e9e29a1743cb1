"""load_foods: one transaction, idempotent, refuses a broken file by its line number."""

import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from foods.food_file import FoodFileError, parse_food_file
from foods.models import Food, FoodDataLoad, Portion
from foods.services import SHIPPED_FILE, food_data_load
from tests.factories import FoodFactory, MealItemFactory, RecipeIngredientFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    out = tmp_path / "foods.jsonl"
    call_command(
        "build_food_data",
        str(FIXTURES / "sr28_small"),
        ifct=str(FIXTURES / "ifct_small" / "index.csv"),
        curation=str(FIXTURES / "curation_small"),
        out=str(out),
        verbosity=0,
    )
    return out


def rewrite(path: Path, line: int, change: object) -> None:
    """Replace one food line (1-based file line) with `change(obj)` or a raw string."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if callable(change):
        obj = json.loads(lines[line - 1])
        change(obj)
        lines[line - 1] = json.dumps(obj)
    else:
        lines[line - 1] = str(change)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_first_load_creates_foods_and_portions(small_file: Path) -> None:
    result = food_data_load(path=small_file)
    assert (result.created, result.updated, result.unchanged) == (12, 0, 0)
    seeds = Food.objects.get(source="usda_sr28", code="12014")
    assert seeds.magnesium_mg_per_100g == 592.0
    assert seeds.phytate_basis == "estimate"
    assert [portion.label for portion in seeds.portions.all()] == ["1 cup", "1 oz"]
    assert Portion.objects.count() == 45
    assert FoodDataLoad.objects.get().foods == 12


def test_second_load_of_the_same_file_is_skipped(small_file: Path) -> None:
    food_data_load(path=small_file)
    out = StringIO()
    call_command("load_foods", str(small_file), stdout=out)
    assert "already loaded, nothing to do" in out.getvalue()
    assert FoodDataLoad.objects.count() == 1


def test_forced_reload_changes_nothing(small_file: Path) -> None:
    food_data_load(path=small_file)
    before = list(Portion.objects.order_by("pk").values_list("pk", "food_id", "seq", "grams"))
    result = food_data_load(path=small_file, force=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 12)
    assert (
        list(Portion.objects.order_by("pk").values_list("pk", "food_id", "seq", "grams")) == before
    )


def test_a_changed_food_is_updated_and_its_portions_replaced(small_file: Path) -> None:
    food_data_load(path=small_file)
    # Line 1 is the header; foods follow sorted by code, pumpkin seeds (12014) 7th.
    seeds_line = 8

    def change(obj: dict) -> None:
        obj["magnesium_mg_per_100g"] = 550.0
        obj["portions"] = obj["portions"][:1]

    rewrite(small_file, seeds_line, change)
    result = food_data_load(path=small_file)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 11)
    seeds = Food.objects.get(code="12014")
    assert seeds.magnesium_mg_per_100g == 550.0
    assert [portion.label for portion in seeds.portions.all()] == ["1 cup"]


def test_what_was_planned_by_a_replaced_measure_stays_in_plain_grams(small_file: Path) -> None:
    from decimal import Decimal

    from plans.models import MealItem
    from tests.factories import MealItemFactory

    food_data_load(path=small_file)
    seeds = Food.objects.get(code="12014")
    measure = seeds.portions.order_by("seq").last()
    item = MealItemFactory(
        food=seeds, portion=measure, portion_quantity=Decimal(2), grams=2 * measure.grams
    )
    other = MealItemFactory(food=seeds, grams=30)

    def change(obj: dict) -> None:
        obj["portions"] = obj["portions"][:1]  # the measure planned by is gone from the file

    rewrite(small_file, 8, change)
    food_data_load(path=small_file)

    item = MealItem.objects.get(pk=item.pk)
    assert (item.portion_id, item.portion_quantity, item.grams) == (None, None, 2 * measure.grams)
    assert item.amount_label == f"{2 * measure.grams:g} g"
    assert MealItem.objects.get(pk=other.pk).grams == 30


def test_custom_foods_are_never_touched(small_file: Path) -> None:
    owner = UserFactory()
    custom = FoodFactory(source="custom", code="12014", owner=owner, magnesium_mg_per_100g=1.0)
    food_data_load(path=small_file)
    food_data_load(path=small_file, force=True)
    custom.refresh_from_db()
    assert (custom.magnesium_mg_per_100g, custom.owner) == (1.0, owner)
    assert Food.objects.filter(code="12014").count() == 2


@pytest.mark.parametrize(
    ("line", "change", "message"),
    [
        (4, "{not json", "line 4: not valid JSON"),
        (5, lambda obj: obj.pop("food_group"), "line 5: food is missing food_group"),
        (6, lambda obj: obj.update(calcium_mg_per_100g=-3), "line 6: calcium_mg_per_100g must not"),
        (7, lambda obj: obj.update(kcal_per_100g="52"), "line 7: kcal_per_100g must be a number"),
        (8, lambda obj: obj.update(code="01001"), "line 8: duplicate code 01001 (first on line 2)"),
        (9, lambda obj: obj.update(phytate_basis="guess"), "line 9: phytate_basis must be one"),
        (
            10,
            lambda obj: obj["portions"][0].update(grams=0),
            "line 10: portion 1: grams must be more than 0",
        ),
        (
            11,
            lambda obj: obj.update(magnesium_mg_per_100g=5000.0),
            "line 11: magnesium_mg_per_100g: 5000 mg/100 g is implausible",
        ),
        (
            12,
            lambda obj: obj.update(oxalate_mg_per_100g=150000.0),
            "line 12: oxalate_mg_per_100g: At most 100,000 mg per 100 g",
        ),
        (
            3,
            lambda obj: obj.update(kcal_per_100g=950.0),
            "line 3: kcal_per_100g: At most 902 kcal per 100 g: nothing has more (pure fat).",
        ),
        (
            13,
            lambda obj: obj["portions"][0].update(grams=0.05),
            "line 13: portion 1: grams: A portion must weigh at least 0.1 g",
        ),
        (
            13,
            lambda obj: obj["portions"][0].update(amount=0),
            "line 13: portion 1: amount: The amount must be more than 0",
        ),
        (
            12,
            lambda obj: obj.update(
                protein_g_per_100g=70.0, fat_g_per_100g=40.0, carbohydrate_g_per_100g=5.0
            ),
            "line 12: protein_g_per_100g: Protein, fat and carbohydrate add up to",
        ),
    ],
)
def test_a_broken_file_is_refused_by_line_with_no_partial_write(
    small_file: Path, line: int, change: object, message: str
) -> None:
    rewrite(small_file, line, change)
    with pytest.raises(FoodFileError) as error:
        food_data_load(path=small_file)
    assert str(error.value).startswith(message)
    assert Food.objects.count() == 0
    assert Portion.objects.count() == 0
    assert FoodDataLoad.objects.count() == 0


def test_the_command_exits_2_with_the_line_number(small_file: Path) -> None:
    rewrite(small_file, 3, "[]")
    with pytest.raises(
        CommandError, match=r"foods\.jsonl line 3: food must be a JSON object"
    ) as error:
        call_command("load_foods", str(small_file), verbosity=0)
    assert error.value.returncode == 2
    assert Food.objects.count() == 0


def test_a_reload_refuses_a_portion_lighter_than_any_meal_item(small_file: Path) -> None:
    food_data_load(path=small_file)
    rewrite(small_file, 13, lambda obj: obj["portions"][0].update(grams=0.05))
    with pytest.raises(FoodFileError, match="line 13: portion 1: grams: A portion must weigh"):
        food_data_load(path=small_file)
    rice = Food.objects.get(code="20044")
    assert [p.grams for p in rice.portions.all()] == [185.0]


def test_every_shipped_food_and_portion_is_within_the_bounds() -> None:
    # The bounds are physical, so no real food may be refused: the model's checks, as the
    # admin and the loader apply them, on every food and portion of the shipped file.
    food_file = parse_food_file(SHIPPED_FILE.read_bytes())
    refused = {}
    for record in food_file.foods:
        try:
            Food(source="usda_sr28", code=record.code, **record.values()).clean()
            for portion in record.portions:
                Portion(grams=portion.grams).clean()
        except ValidationError as error:
            refused[record.description] = error.message_dict
    assert refused == {}
    # The energy ceiling is SR28's own: lard and the fish oils sit exactly at it.
    fattest = max(food_file.foods, key=lambda record: record.values()["kcal_per_100g"] or 0)
    assert fattest.values()["kcal_per_100g"] == 902
    # And the lightest household measure is exactly the lightest portion allowed.
    assert min(p.grams for record in food_file.foods for p in record.portions) == 0.1


def test_the_shipped_file_loads_all_8789_foods() -> None:
    out = StringIO()
    call_command("load_foods", "--quiet", stdout=out)
    assert Food.objects.filter(source="usda_sr28").count() == 8789
    assert Portion.objects.count() == 15438
    assert "8789 created" in out.getvalue()
    assert FoodDataLoad.objects.get().file_name == SHIPPED_FILE.name


# ---- history: every loaded food starts from a record of its shipped values ----

LOAD_REASON = re.compile(r"^Loaded from foods\.jsonl \(sha256 [0-9a-f]{12}\)$")


def _history(code: str) -> list[tuple[str, float, str]]:
    """(type, magnesium, reason) of the SR28 food's history rows, oldest first."""
    food = Food.objects.get(source="usda_sr28", code=code)
    return [
        (row.history_type, row.magnesium_mg_per_100g, row.history_change_reason)
        for row in food.history.order_by("history_date", "history_id")
    ]


def test_a_load_records_each_food_it_creates_in_its_history(small_file: Path) -> None:
    food_data_load(path=small_file)
    assert Food.history.count() == 12
    [(kind, magnesium, reason)] = _history("12014")
    assert (kind, magnesium) == ("+", 592.0)
    assert LOAD_REASON.match(reason)
    row = Food.objects.get(code="12014").history.get()
    assert (row.history_user, row.phytate_mg_per_100g, row.phytate_basis) == (
        None,
        Food.objects.get(code="12014").phytate_mg_per_100g,
        "estimate",
    )


def test_reloading_an_unchanged_file_adds_no_history(small_file: Path) -> None:
    food_data_load(path=small_file)
    food_data_load(path=small_file)
    food_data_load(path=small_file, force=True)
    assert Food.history.count() == 12


def test_a_changed_file_records_the_foods_it_changed(small_file: Path) -> None:
    food_data_load(path=small_file)
    rewrite(small_file, 8, lambda obj: obj.update(magnesium_mg_per_100g=550.0))
    food_data_load(path=small_file)
    assert [(kind, mg) for kind, mg, _ in _history("12014")] == [("+", 592.0), ("~", 550.0)]
    assert LOAD_REASON.match(_history("12014")[1][2])
    assert Food.history.count() == 13


def test_foods_loaded_before_loads_kept_history_get_their_baseline(small_file: Path) -> None:
    # A database loaded by an older version: no history rows for any food, and an editor
    # changed pumpkin seeds since, which wrote a row holding only the edited value.
    food_data_load(path=small_file)
    Food.history.all().delete()
    loaded_at = FoodDataLoad.objects.get().loaded_at
    seeds = Food.objects.get(code="12014")
    seeds.magnesium_mg_per_100g = 500.0
    seeds.save()

    out = StringIO()
    call_command("load_foods", str(small_file), stdout=out)  # skipped, the baselines made

    assert out.getvalue().splitlines() == [
        "Recorded the loaded values of 12 foods in their history",
        "foods.jsonl already loaded, nothing to do (use --force to reload)",
    ]
    assert [(kind, mg) for kind, mg, _ in _history("12014")] == [("~", 592.0), ("~", 500.0)]
    baseline = seeds.history.earliest()
    assert LOAD_REASON.match(baseline.history_change_reason)
    assert baseline.history_date == loaded_at
    assert Food.history.count() == 13
    food_data_load(path=small_file)
    assert Food.history.count() == 13


def test_an_edited_food_gets_no_guessed_baseline_from_another_file(small_file: Path) -> None:
    food_data_load(path=small_file)
    Food.history.all().delete()
    seeds = Food.objects.get(code="12014")
    seeds.magnesium_mg_per_100g = 500.0
    seeds.save()
    other = small_file.with_name("other.jsonl")
    other.write_text(small_file.read_text(encoding="utf-8").replace("592.0", "591.0"))
    food_data_load(path=other)
    food_data_load(path=small_file)  # loaded before, not the last load: skipped

    # The edit's row, then the other file's load, which replaced the edit; the value
    # before the edit came from the first file's load, which wrote no row: not guessed.
    assert [(kind, mg) for kind, mg, _ in _history("12014")] == [("~", 500.0), ("~", 591.0)]
    assert Food.history.filter(id=Food.objects.get(code="12061").pk).count() == 1


# ---- measures a load replaces: what was planned by them, and their history ----


def _line_of(path: Path, code: str) -> int:
    """The file line (1-based) of the food `code`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines[1:], start=2) if json.loads(text)["code"] == code)


def _measures(code: str) -> list[tuple[int, str, float]]:
    """(order, label, grams) of the SR28 food's household measures."""
    food = Food.objects.get(source="usda_sr28", code=code)
    return [(p.seq, p.label, p.grams) for p in food.portions.order_by("seq")]


def test_what_was_planned_by_a_measure_the_file_keeps_stays_planned_by_it(
    small_file: Path, django_capture_on_commit_callbacks
) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(code="12014")
    cup, oz = seeds.portions.order_by("seq")
    by_oz = MealItemFactory(food=seeds, portion=oz, portion_quantity=Decimal(1), grams=28.35)
    recipe_line = RecipeIngredientFactory(
        food=seeds, portion=oz, portion_quantity=Decimal(2), grams=56.7
    )
    by_cup = MealItemFactory(food=seeds, portion=cup, portion_quantity=Decimal(1), grams=129.0)
    kept, reweighed = by_oz.meal.day.plan.owner, by_cup.meal.day.plan.owner
    stamps = (kept.data_stamp, reweighed.data_stamp)

    def change(obj: dict) -> None:
        # The cup weighs more now and goes after the ounce, which is the same as before.
        cup_record, oz_record = obj["portions"]
        obj["portions"] = [{**oz_record, "seq": 1}, {**cup_record, "seq": 2, "grams": 140.0}]

    rewrite(small_file, 8, change)
    with django_capture_on_commit_callbacks(execute=True):
        food_data_load(path=small_file)

    assert _measures("12014") == [(1, "1 oz", 28.35), (2, "1 cup", 140.0)]
    oz_now = seeds.portions.get(unit="oz")
    by_oz.refresh_from_db()
    assert (by_oz.portion, by_oz.amount_label) == (oz_now, "1 × 1 oz (28.4 g)")
    recipe_line.refresh_from_db()
    assert (recipe_line.portion, recipe_line.portion_quantity, recipe_line.grams) == (
        oz_now,
        Decimal(2),
        56.7,
    )
    # A measure whose weight changed: what was planned by it stays in plain grams.
    by_cup.refresh_from_db()
    assert (by_cup.portion, by_cup.portion_quantity, by_cup.amount_label) == (None, None, "129 g")
    # Only the person whose row changed has their cached pages replaced.
    kept.refresh_from_db()
    reweighed.refresh_from_db()
    assert kept.data_stamp == stamps[0]
    assert reweighed.data_stamp != stamps[1]


@pytest.mark.parametrize("batch", [250, 1])  # a food's measures in one UPDATE, or in several
def test_measures_the_file_only_reorders_keep_what_was_planned_by_them(
    small_file: Path, monkeypatch, batch: int
) -> None:
    monkeypatch.setattr("foods.services.UPDATE_BATCH", batch)
    food_data_load(path=small_file)
    almonds = Food.objects.get(code="12061")
    # An editor put the slivered almonds last, at the highest order the field holds.
    almonds.portions.filter(unit="cup, slivered").update(seq=32767)
    items = {
        p.unit: MealItemFactory(
            food=almonds, portion=p, portion_quantity=Decimal(1), grams=round(p.grams, 2)
        )
        for p in almonds.portions.all()
    }

    def reverse(obj: dict) -> None:
        obj["portions"] = [{**p, "seq": 7 - p["seq"]} for p in obj["portions"]]

    rewrite(small_file, _line_of(small_file, "12061"), reverse)
    food_data_load(path=small_file)

    assert _measures("12061") == [
        (1, "1 almond", 1.2),
        (2, "1 oz (23 whole kernels)", 28.35),
        (3, "1 cup, ground", 95.0),
        (4, "1 cup, slivered", 108.0),
        (5, "1 cup, sliced", 92.0),
        (6, "1 cup, whole", 143.0),
    ]
    for unit, item in items.items():
        item.refresh_from_db()
        assert (item.portion.unit, item.portion_quantity) == (unit, Decimal(1))


def test_a_load_records_the_measures_it_creates_with_its_foods(small_file: Path) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(code="12014")
    loaded = seeds.history.get()
    assert [
        (
            row.history_type,
            row.instance.label,
            row.history_user,
            row.history_change_reason,
            row.history_date,
        )
        for row in Portion.history.filter(food_id=seeds.pk).order_by("seq")
    ] == [
        ("+", label, None, loaded.history_change_reason, loaded.history_date)
        for label in ("1 cup", "1 oz")
    ]
    assert Portion.history.count() == Portion.objects.count() == 45
    food_data_load(path=small_file, force=True)
    assert Portion.history.count() == 45


def test_a_load_that_changes_only_measures_records_them_with_a_food_row(small_file: Path) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(code="12014")
    rewrite(small_file, 8, lambda obj: obj["portions"][0].update(grams=140.0))

    food_data_load(path=small_file)

    assert [(kind, mg) for kind, mg, _ in _history("12014")] == [("+", 592.0), ("~", 592.0)]
    load_row = seeds.history.latest()
    assert LOAD_REASON.match(load_row.history_change_reason)
    rows = Portion.history.filter(food_id=seeds.pk, history_date=load_row.history_date)
    assert sorted(
        (
            row.history_type,
            row.instance.label,
            row.grams,
            row.history_user,
            row.history_change_reason,
        )
        for row in rows
    ) == [
        ("+", "1 cup", 140.0, None, load_row.history_change_reason),
        ("-", "1 cup", 129.0, None, load_row.history_change_reason),
    ]
    assert Food.history.count() == 13


def test_measures_loaded_before_loads_kept_their_history_get_a_baseline(
    small_file: Path,
) -> None:
    food_data_load(path=small_file)
    Portion.history.all().delete()
    load = FoodDataLoad.objects.get()

    out = StringIO()
    call_command("load_foods", str(small_file), stdout=out)  # skipped, the baselines written
    assert "Recorded the loaded weights of 45 household measures in their history" in out.getvalue()

    rows = Portion.history.all()
    assert rows.count() == Portion.objects.count() == 45
    assert {(row.history_type, row.history_user, row.history_date) for row in rows} == {
        ("+", None, load.loaded_at)
    }
    assert all(LOAD_REASON.match(row.history_change_reason) for row in rows)
    food_data_load(path=small_file)
    food_data_load(path=small_file, force=True)
    assert Portion.history.count() == 45


# ---- what a load wrote, on the food's History page in the admin ----


def _history_cells(client, food: Food) -> list[str]:
    from django.urls import reverse

    from tests.foods.test_admin import _cells  # that module imports this one

    return _cells(client.get(reverse("admin:foods_food_history", args=[food.pk])).content.decode())


def _measure_edited(client, food: Food, **changes: object) -> None:
    from django.urls import reverse

    from tests.foods.test_admin import change_data

    url = reverse("admin:foods_food_change", args=[food.pk])
    assert client.post(url, change_data(food, **changes)).status_code == 302


def test_the_first_edit_of_a_loaded_measure_says_what_it_weighed(
    client, editor, small_file: Path
) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(code="12014")
    _measure_edited(client, seeds, **{"portions-0-grams": 50})

    cells = _history_cells(client, seeds)

    assert "1 cup: 129 g → 50 g" in cells
    assert not [cell for cell in cells if "not recorded" in cell]


def test_measures_loaded_before_they_had_a_history_say_what_they_weighed(
    client, editor, small_file: Path
) -> None:
    food_data_load(path=small_file)
    Portion.history.all().delete()  # loaded by an older version, which wrote none
    food_data_load(path=small_file)  # skipped, the measures' baselines written
    seeds = Food.objects.get(code="12014")
    _measure_edited(client, seeds, **{"portions-0-grams": 50})

    cells = _history_cells(client, seeds)

    assert "1 cup: 129 g → 50 g" in cells
    assert not [cell for cell in cells if "not recorded" in cell]


def test_a_load_that_replaces_measures_lists_them_in_the_foods_history(
    client, editor, small_file: Path
) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(code="12014")

    def change(obj: dict) -> None:
        # The cup weighs more now and goes after the ounce, which is the same as before.
        cup_record, oz_record = obj["portions"]
        obj["portions"] = [{**oz_record, "seq": 1}, {**cup_record, "seq": 2, "grams": 140.0}]

    rewrite(small_file, 8, change)
    food_data_load(path=small_file)  # only the measures changed

    [load_cell] = [cell for cell in _history_cells(client, seeds) if "1 cup = 140 g" in cell]
    assert "Household measure: 1 cup = 129 g → —" in load_cell
    assert "Household measure: — → 1 cup = 140 g" in load_cell
    assert "1 oz, order: 2 → 1" in load_cell
