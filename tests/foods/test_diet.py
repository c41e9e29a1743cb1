"""Diet and allergen tags (foods/diet.py): conservative, over the SR28 groups and keywords."""

import json
from functools import cache
from pathlib import Path

import pytest

from foods.diet import DIETS, EXCLUSIONS, TAGS, allowed, tags_for

FOODS_FILE = Path(__file__).resolve().parents[2] / "foods" / "data" / "foods.jsonl"


@cache
def sr28() -> dict[str, tuple[str, str]]:
    foods = {}
    with FOODS_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if "code" in row:
                foods[row["code"]] = (row["description"], row["food_group"])
    return foods


def tags(code: str) -> frozenset[str]:
    description, group = sr28()[code]
    return tags_for(code, description, group)


@pytest.mark.parametrize(
    ("code", "expected", "absent"),
    [
        ("19120", {"dairy", "animal"}, {"nuts"}),  # milk chocolate
        ("19904", set(), {"dairy", "animal", "nuts"}),  # dark chocolate 70-85 %
        ("12014", {"seeds"}, {"nuts", "peanuts"}),  # pumpkin seeds
        ("12061", {"nuts"}, {"seeds", "peanuts"}),  # almonds
        ("16390", {"peanuts"}, {"nuts"}),  # peanuts are Legumes in SR28
        ("16398", {"peanuts"}, {"dairy"}),  # peanut butter is not dairy
        ("16015", set(), {"seeds", "animal"}),  # black beans, "mature seeds"
        ("16126", {"soy"}, {"animal", "dairy"}),  # tofu
        ("11212", {"soy"}, set()),  # edamame
        ("18069", {"gluten"}, {"animal"}),  # white bread
        ("20045", set(), {"gluten"}),  # white rice
        ("08120", {"gluten"}, set()),  # oats: often milled with wheat
        ("01123", {"egg", "animal"}, {"dairy"}),  # egg
        ("01077", {"dairy", "animal"}, {"egg"}),  # milk
        ("05064", {"meat", "animal"}, set()),  # chicken
        ("15076", {"fish", "animal"}, {"shellfish"}),  # salmon
        ("11209", set(), {"egg"}),  # eggplant
        ("11457", set(), {"animal"}),  # spinach
    ],
)
def test_tags_of_known_foods(code, expected, absent):
    found = tags(code)
    assert set(expected) <= found, (sr28()[code], found)
    assert not set(absent) & found, (sr28()[code], found)


def test_shellfish_and_fish_are_split_by_keyword():
    assert "shellfish" in tags_for(
        "x", "Crustaceans, shrimp, cooked", "Finfish and Shellfish Products"
    )
    assert "shellfish" in tags_for(
        "x", "Mollusks, mussel, blue, raw", "Finfish and Shellfish Products"
    )
    assert "fish" in tags_for("x", "Fish, cod, Atlantic, raw", "Finfish and Shellfish Products")
    assert "fish" not in tags_for(
        "x", "Crustaceans, crab, cooked", "Finfish and Shellfish Products"
    )


def test_mixed_dishes_are_tagged_by_what_their_name_says():
    assert {"dairy", "gluten"} <= tags_for("x", "Macaroni and cheese, frozen", "Meals, Entrees")
    assert "nuts" in tags_for("x", "Candies, milk chocolate, with almonds", "Sweets")
    assert "shellfish" in tags_for("x", "Soup, clam chowder, canned", "Soups, Sauces, and Gravies")
    assert "animal" in tags_for("x", "Honey", "Sweets")
    assert "meat" in tags_for("x", "Gelatin desserts, dry mix", "Sweets")


def test_sweet_baked_goods_are_assumed_to_carry_dairy_and_egg():
    found = tags_for("x", "Cake, pound, commercially prepared", "Baked Products")
    assert {"dairy", "egg", "gluten"} <= found


def test_every_food_of_the_allergen_groups_carries_its_tag():
    for code, (description, group) in sr28().items():
        found = tags_for(code, description, group)
        if group == "Nut and Seed Products":
            assert found & {"nuts", "seeds", "peanuts"}, description
        if group == "Dairy and Egg Products":
            assert found & {"dairy", "egg"}, description
        if group in ("Beef Products", "Pork Products", "Poultry Products"):
            assert {"meat", "animal"} <= found, description
        if group == "Finfish and Shellfish Products":
            assert found & {"fish", "shellfish"}, description
        assert found <= TAGS


def test_allowed_follows_the_diet_and_the_exclusions():
    assert allowed({"meat", "animal"}, "omnivore", ())
    assert not allowed({"meat", "animal"}, "vegetarian", ())
    assert not allowed({"fish", "animal"}, "vegetarian", ())
    assert allowed({"dairy", "animal"}, "vegetarian", ())
    assert not allowed({"dairy", "animal"}, "vegan", ())
    assert not allowed({"animal"}, "vegan", ())  # honey
    assert allowed({"soy"}, "vegan", ())
    assert not allowed({"soy"}, "vegan", {"soy"})
    assert not allowed({"seeds"}, "omnivore", {"seeds"})
    assert allowed(set(), "vegan", set(EXCLUSIONS))


def test_the_names_match_the_profile_choices():
    from accounts.models import Diet, Exclusion

    assert set(DIETS) == set(Diet.values)
    assert set(EXCLUSIONS) == set(Exclusion.values)
