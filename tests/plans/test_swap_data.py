"""Curated suggestion data (plans/data/*.csv): real SR28 foods, with reasons and sources."""

import csv
import json
from pathlib import Path

from foods.diet import tags_for
from plans.swap_pool import ADD_CANDIDATES_FILE, SWAP_PAIRS_FILE, curated_adds, curated_pairs
from plans.swaps import role_for

FOODS_FILE = Path(__file__).resolve().parents[2] / "foods" / "data" / "foods.jsonl"


def sr28() -> dict[str, dict]:
    with FOODS_FILE.open(encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle)
        return {row["code"]: row for row in rows if "code" in row}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_swap_pair_names_real_foods_with_their_text_a_reason_and_a_source():
    foods = sr28()
    pairs = rows(SWAP_PAIRS_FILE)
    assert len(pairs) >= 15
    for row in pairs:
        for side in ("from", "to"):
            code = row[f"{side}_code"]
            assert code in foods, row
            assert foods[code]["description"] == row[f"{side}_description"], row
        assert row["why"].strip()
        assert not row["why"].endswith(".")  # the sentence is built around it
        assert row["source"].strip()
        assert row["from_code"] != row["to_code"]


def test_every_pair_swaps_like_for_like_and_gains_magnesium_or_loses_oxalate():
    foods = sr28()
    for row in rows(SWAP_PAIRS_FILE):
        old, new = foods[row["from_code"]], foods[row["to_code"]]
        roles = (
            role_for(old["description"], old["food_group"]),
            role_for(new["description"], new["food_group"]),
        )
        # Chips -> seeds or nuts is the one deliberate crossing: a salty snack either way.
        assert roles[0] == roles[1] or roles == ("snack-salty", "nut-seed"), row
        more_mg = new["magnesium_mg_per_100g"] > old["magnesium_mg_per_100g"]
        less_oxalate = new["oxalate_mg_per_100g"] < old["oxalate_mg_per_100g"] / 4
        less_phytate = "phytate" in row["why"]
        assert more_mg or less_oxalate or less_phytate, row


def test_the_issue_examples_are_curated():
    pairs = {(p.from_code, p.to_code) for p in curated_pairs()}
    assert ("19120", "19904") in pairs  # milk chocolate -> dark chocolate 70-85 %
    assert ("20045", "20137") in pairs  # white rice -> quinoa
    assert ("20045", "20010") in pairs  # white rice -> buckwheat
    assert ("11457", "11233") in pairs  # spinach -> kale
    adds = {code for code, _, _ in curated_adds()}
    assert {"12014", "19904", "16015"} <= adds  # pumpkin seeds, dark chocolate, black beans


def test_every_add_names_a_real_food_with_a_household_portion():
    foods = sr28()
    adds = rows(ADD_CANDIDATES_FILE)
    assert len(adds) >= 12
    for row in adds:
        assert row["code"] in foods, row
        assert foods[row["code"]]["description"] == row["description"], row
        assert 5 <= float(row["grams"]) <= 300, row
        assert row["portion_label"].strip()
        assert row["source"].strip()
    codes = [row["code"] for row in adds]
    assert len(codes) == len(set(codes))


def test_no_curated_add_is_high_in_oxalate():
    # Spinach is the obvious magnesium food, and the wrong one to add (oxalate).
    foods = sr28()
    for code, _, _ in curated_adds():
        assert foods[code]["oxalate_mg_per_100g"] < 500, foods[code]["description"]


def test_the_curated_adds_cover_vegans_allergic_to_nuts():
    foods = sr28()
    fitting = [
        code
        for code, _, _ in curated_adds()
        if not tags_for(code, foods[code]["description"], foods[code]["food_group"])
        & {"animal", "nuts"}
    ]
    assert len(fitting) >= 8
