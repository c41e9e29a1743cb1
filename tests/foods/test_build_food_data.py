"""build_food_data on the 12-food SR28 cut, and the shape of the shipped file (no database)."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from foods.food_file import FOOD_KEYS, parse_food_file
from foods.services import SHIPPED_FILE

FIXTURES = Path(__file__).parent / "fixtures"


def build(out: Path, sr28_dir: Path = FIXTURES / "sr28_small") -> None:
    call_command(
        "build_food_data",
        str(sr28_dir),
        ifct=str(FIXTURES / "ifct_small" / "index.csv"),
        curation=str(FIXTURES / "curation_small"),
        out=str(out),
        verbosity=0,
    )


@pytest.fixture
def built(tmp_path: Path) -> tuple[dict, dict[str, dict]]:
    build(tmp_path / "foods.jsonl")
    lines = (tmp_path / "foods.jsonl").read_text(encoding="utf-8").splitlines()
    foods = [json.loads(line) for line in lines[1:]]
    return json.loads(lines[0]), {food["code"]: food for food in foods}


def test_header_names_the_format_counts_and_sources(built: tuple) -> None:
    header, _ = built
    assert (header["format"], header["version"]) == ("mgplanner-foods", 1)
    assert (header["foods"], header["portions"]) == (12, 45)
    assert header["sources"][0]["licence"] == "US Government work, public domain"
    assert set(header["sources"][0]["files"]) == {
        "FD_GROUP.txt",
        "FOOD_DES.txt",
        "NUT_DATA.txt",
        "WEIGHT.txt",
    }


def test_food_lines_are_sorted_and_carry_every_field(built: tuple) -> None:
    _, foods = built
    assert list(foods) == sorted(foods)
    for food in foods.values():
        assert tuple(food) == FOOD_KEYS


def test_pumpkin_seeds_values_and_portions(built: tuple) -> None:
    _, foods = built
    seeds = foods["12014"]
    assert seeds["description"] == "Seeds, pumpkin and squash seed kernels, dried"
    assert seeds["food_group"] == "Nut and Seed Products"
    assert (seeds["magnesium_mg_per_100g"], seeds["calcium_mg_per_100g"]) == (592.0, 46.0)
    assert (seeds["zinc_mg_per_100g"], seeds["iron_mg_per_100g"]) == (7.81, 8.82)
    assert seeds["portions"] == [
        {"seq": 1, "amount": 1, "unit": "cup", "grams": 129.0},
        {"seq": 2, "amount": 1, "unit": "oz", "grams": 28.35},
    ]
    assert (seeds["phytate_mg_per_100g"], seeds["phytate_basis"]) == (3066.0, "estimate")


def test_spinach_and_rice_antinutrient_basis(built: tuple) -> None:
    _, foods = built
    spinach = foods["11457"]
    assert (spinach["oxalate_mg_per_100g"], spinach["oxalate_basis"]) == (970.0, "cited")
    assert (spinach["phytate_basis"], spinach["phytate_source"]) == (
        "measured",
        "IFCT 2017 C033 Spinach",
    )
    assert foods["20044"]["food_group"] == "Cereal Grains and Pasta"
    assert foods["20044"]["oxalate_basis"] == "measured"


def test_a_rebuild_gives_the_same_bytes(tmp_path: Path) -> None:
    build(tmp_path / "first.jsonl")
    build(tmp_path / "second.jsonl")
    assert (tmp_path / "first.jsonl").read_bytes() == (tmp_path / "second.jsonl").read_bytes()


def test_a_missing_directory_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="SR28 directory not found") as error:
        build(tmp_path / "foods.jsonl", sr28_dir=tmp_path / "missing")
    assert error.value.returncode == 2
    assert not (tmp_path / "foods.jsonl").exists()


def test_the_shipped_file_has_all_sr28_foods_each_with_a_basis() -> None:
    food_file = parse_food_file(SHIPPED_FILE.read_bytes())
    assert len(food_file.foods) == food_file.header["foods"] == 8789
    assert food_file.portion_count == food_file.header["portions"] == 15438
    codes = {food.code for food in food_file.foods}
    assert {"12014", "11457", "20044"} <= codes
    for food in food_file.foods:
        assert food.phytate_basis in {"measured", "cited", "estimate"}, food.code
        assert food.oxalate_basis in {"measured", "cited", "estimate"}, food.code
        assert food.phytate_source, food.code
        assert food.oxalate_source, food.code


@pytest.mark.parametrize(
    ("salted", "unsalted", "oxalate_mg"),
    [
        ("11854", "11458", 991.0),  # Spinach, cooked, boiled, drained
        ("11765", "11148", 646.0),  # Chard, swiss, cooked, boiled, drained
        ("11736", "11087", 738.0),  # Beet greens, cooked, boiled, drained
    ],
)
def test_shipped_greens_with_salt_carry_their_unsalted_twins_oxalate(
    salted: str, unsalted: str, oxalate_mg: float
) -> None:
    foods = {food.code: food for food in parse_food_file(SHIPPED_FILE.read_bytes()).foods}
    with_salt, without_salt = foods[salted], foods[unsalted]
    assert with_salt.description == without_salt.description.replace("without salt", "with salt")
    assert (without_salt.oxalate_mg_per_100g, without_salt.oxalate_basis) == (oxalate_mg, "cited")
    assert (with_salt.oxalate_mg_per_100g, with_salt.oxalate_basis) == (oxalate_mg, "estimate")
    assert with_salt.oxalate_source.startswith(
        f"rule salt-twin: the same food prepared without salt, SR28 {unsalted} "
        f"{without_salt.description}; {without_salt.oxalate_source}"
    )
