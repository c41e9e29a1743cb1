"""The SR28 ASCII reader, on a 12-food cut of the release (pure: no database)."""

import gzip
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from foods.sr28 import SR28Error, SR28Portion, parse_line, read_sr28

SMALL = Path(__file__).parent / "fixtures" / "sr28_small"


@pytest.fixture(scope="module")
def foods() -> dict:
    return read_sr28(SMALL)


def test_parse_line_strips_tildes_and_keeps_empty_fields() -> None:
    line = "~01001~^~0100~^~Butter, salted~^~~^^6.38\r\n"
    assert parse_line(line) == ["01001", "0100", "Butter, salted", "", "", "6.38"]


def test_every_food_of_the_cut_is_read_with_its_group_name(foods: dict) -> None:
    assert len(foods) == 12
    assert foods["12014"].description == "Seeds, pumpkin and squash seed kernels, dried"
    assert foods["12014"].food_group == "Nut and Seed Products"
    assert foods["11457"].food_group == "Vegetables and Vegetable Products"
    assert foods["20044"].food_group == "Cereal Grains and Pasta"


def test_nutrients_are_per_100_g_values_from_nut_data(foods: dict) -> None:
    seeds = foods["12014"]
    assert seeds.nutrient("magnesium_mg_per_100g") == 592.0
    assert seeds.nutrient("phosphorus_mg_per_100g") == 1233.0
    assert seeds.nutrient("kcal_per_100g") == 559.0
    assert seeds.nutrient("water_g_per_100g") == 5.23
    assert foods["11457"].nutrient("magnesium_mg_per_100g") == 79.0
    assert foods["20044"].nutrient("magnesium_mg_per_100g") == 25.0


def test_portions_come_from_weight_in_seq_order(foods: dict) -> None:
    assert foods["12014"].portions == [
        SR28Portion(seq=1, amount=Decimal("1"), unit="cup", grams=129.0),
        SR28Portion(seq=2, amount=Decimal("1"), unit="oz", grams=28.35),
    ]
    butter_units = [portion.unit for portion in foods["01001"].portions]
    assert butter_units[:3] == ['pat (1" sq, 1/3" high)', "tbsp", "cup"]


def test_gzipped_nut_data_is_read_like_the_plain_file(tmp_path: Path, foods: dict) -> None:
    for path in SMALL.iterdir():
        if path.name != "NUT_DATA.txt":
            shutil.copy(path, tmp_path / path.name)
    with (
        (SMALL / "NUT_DATA.txt").open("rb") as plain,
        gzip.open(tmp_path / "NUT_DATA.txt.gz", "wb") as packed,
    ):
        shutil.copyfileobj(plain, packed)
    assert read_sr28(tmp_path)["12014"].nutrients == foods["12014"].nutrients


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    shutil.copytree(SMALL, tmp_path / "sr28")
    (tmp_path / "sr28" / "WEIGHT.txt").unlink()
    with pytest.raises(SR28Error, match=r"SR28 file missing: .*WEIGHT\.txt"):
        read_sr28(tmp_path / "sr28")


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(SR28Error, match="SR28 directory not found"):
        read_sr28(tmp_path / "nowhere")


def test_a_nutrient_for_an_unknown_food_is_refused(tmp_path: Path) -> None:
    shutil.copytree(SMALL, tmp_path / "sr28")
    with (tmp_path / "sr28" / "NUT_DATA.txt").open("a", encoding="latin-1") as handle:
        handle.write("~99999~^~304~^10^1^^~1~^^^^^^^^^^^^\r\n")
    with pytest.raises(SR28Error, match=r"NUT_DATA\.txt line 1249: unknown NDB number 99999"):
        read_sr28(tmp_path / "sr28")
