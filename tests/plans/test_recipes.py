"""The pure recipe module: per-serving arithmetic, scaling, preparation gains, JSON."""

import pytest

from plans import recipes, scoring
from plans.targets import Person

WOMAN = Person(sex="female", age_years=34)
CHICKPEAS = recipes.Ingredient(
    name="Chickpeas, cooked",
    grams=400,
    magnesium_mg_per_100g=48,
    phytate_mg_per_100g=560,
    calcium_mg_per_100g=49,
    kcal_per_100g=164,
    protein_g_per_100g=8.86,
    code="16057",
    key="1",
)
SPINACH = recipes.Ingredient(
    name="Spinach, raw",
    grams=200,
    magnesium_mg_per_100g=79,
    oxalate_mg_per_100g=970,
    calcium_mg_per_100g=99,
    kcal_per_100g=23,
    code="11457",
    key="2",
)
CURRY = recipes.Recipe(name="Curry", servings=4, ingredients=(CHICKPEAS, SPINACH))


def test_per_serving_is_the_total_over_servings():
    serving = CURRY.per_serving()
    assert serving.magnesium_mg == pytest.approx((400 * 0.48 + 200 * 0.79) / 4)
    assert serving.kcal == pytest.approx((400 * 1.64 + 200 * 0.23) / 4)
    assert serving.protein_g == pytest.approx(400 * 0.0886 / 4)
    assert serving.oxalate_mg == pytest.approx(200 * 9.7 / 4)


def test_phytate_per_serving_is_after_preparation():
    soaked = recipes.Recipe("C", 4, (recipes.replace(CHICKPEAS, preparation="soaked"),))
    assert soaked.per_serving().phytate_mg == pytest.approx(400 * 5.6 / 4 * 0.75)


def test_effective_mg_equals_scoring_the_ingredients_directly():
    direct = scoring.score_day(
        scoring.Day(
            person=WOMAN,
            meals=(
                scoring.Meal(
                    name="Lunch",
                    items=(
                        scoring.Item("Chickpeas", 100, 48, 560, 0, 49, 164),
                        scoring.Item("Spinach", 50, 79, 0, 970, 99, 23),
                    ),
                ),
            ),
        )
    )
    assert recipes.score_as_meal(CURRY, WOMAN).effective_mg == pytest.approx(direct.effective_mg)
    assert recipes.score_as_meal(CURRY, WOMAN).food_mg == pytest.approx(direct.food_mg)


@pytest.mark.parametrize("servings", [0.5, 1, 2, 3.5])
def test_engine_items_scale_linearly_with_servings(servings):
    items = recipes.engine_items(CURRY, servings, key_prefix="recipe-9")
    assert [item.grams for item in items] == pytest.approx([100 * servings, 50 * servings])
    assert [item.key for item in items] == ["recipe-9-1", "recipe-9-2"]
    plate = recipes.score_as_meal(CURRY, WOMAN, servings=servings).food_mg
    assert plate == pytest.approx(servings * CURRY.per_serving().magnesium_mg)


def test_a_preparation_change_changes_the_score_as_the_engine_says():
    gains = recipes.preparation_gains(CURRY, WOMAN)
    assert [gain.ingredient for gain in gains] == ["Chickpeas, cooked"]
    gain = gains[0]
    changed = recipes.Recipe(
        "Curry", 4, (recipes.replace(CHICKPEAS, preparation=gain.preparation), SPINACH)
    )
    expected = (
        recipes.score_as_meal(changed, WOMAN).effective_mg
        - recipes.score_as_meal(CURRY, WOMAN).effective_mg
    )
    assert gain.gain_mg == pytest.approx(expected)
    assert gain.gain_mg > 0
    assert gain.text.endswith(f"+{expected:.1f} mg per serving")


def test_no_preparation_is_proposed_for_a_pressed_or_liquid_form_of_a_seed():
    # Coconut milk carries phytate too, but nobody soaks or ferments it.
    milk = recipes.replace(
        CHICKPEAS, name="Nuts, coconut milk, canned", role="nut-seed", preparation="none"
    )
    assert recipes.preparation_gains(recipes.Recipe("Milk", 4, (milk, SPINACH)), WOMAN) == []
    # The chickpeas' own role allows soaking and sprouting, not fermenting.
    gains = recipes.preparation_gains(CURRY, WOMAN)
    assert gains[0].preparation in ("soaked", "sprouted")


def test_grams_of_the_dish_become_servings_by_cooked_weight_else_raw_weight():
    assert recipes.servings_from_grams(CURRY, 150) == pytest.approx(1.0)  # 600 g raw / 4
    cooked = recipes.Recipe("C", 4, CURRY.ingredients, cooked_weight_grams=800)
    assert recipes.servings_from_grams(cooked, 300) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="above 0"):
        recipes.servings_from_grams(CURRY, 0)


def _export():
    return recipes.recipe_to_json(
        name="Curry",
        servings=4,
        cooked_weight_grams=None,
        steps="1. Soak\n2) Cook",
        ingredients=[
            recipes.ExportIngredient("16057", "usda_sr28", "Chickpeas", 400, "soaked", "400 g")
        ],
    )


def test_export_is_a_schema_org_recipe_that_parses_back():
    document = _export()
    assert document["@type"] == "Recipe"
    assert document["recipeYield"] == "4 servings"
    assert document["recipeIngredient"] == ["400 g Chickpeas, soaked"]
    assert [step["text"] for step in document["recipeInstructions"]] == ["Soak", "Cook"]
    parsed = recipes.parse_recipe_json(document, preparations=scoring.PREPARATIONS)
    assert parsed.name == "Curry"
    assert parsed.servings == 4
    assert parsed.ingredients[0].code == "16057"
    assert parsed.ingredients[0].grams == 400
    assert parsed.ingredients[0].preparation == "soaked"
    assert parsed.steps == "1. Soak\n2. Cook"


def test_an_invalid_import_names_every_bad_field():
    document = _export()
    document["name"] = ""
    document["mgplanner"]["servings"] = 0
    document["mgplanner"]["ingredients"].append({"code": "", "grams": -3, "preparation": "fried"})
    with pytest.raises(recipes.RecipeImportError) as caught:
        recipes.parse_recipe_json(document, preparations=scoring.PREPARATIONS)
    errors = caught.value.errors
    assert set(errors) == {
        "name",
        "recipeYield",
        "ingredients[1].code",
        "ingredients[1].grams",
        "ingredients[1].preparation",
    }


def test_a_plain_schema_org_recipe_without_the_extension_is_refused_clearly():
    with pytest.raises(recipes.RecipeImportError) as caught:
        recipes.parse_recipe_json(
            {"@type": "Recipe", "name": "Soup", "recipeYield": "2"},
            preparations=scoring.PREPARATIONS,
        )
    assert "food codes and grams" in caught.value.errors["mgplanner"][0]
    with pytest.raises(recipes.RecipeImportError):
        recipes.parse_recipe_json([1, 2], preparations=scoring.PREPARATIONS)


def test_meal_recipe_scores_add_up_each_planned_recipes_ingredients():
    from plans.recipes import meal_recipe_key, meal_recipe_scores
    from plans.scoring import ItemScore

    items = [
        ItemScore("chickpeas", "16057", f"{meal_recipe_key(7)}-1", 40.0, 25.0, 150.0),
        ItemScore("tahini", "12166", f"{meal_recipe_key(7)}-2", 20.0, 12.5, 90.0),
        ItemScore("lentils", "16070", f"{meal_recipe_key(71)}-1", 30.0, 20.0, 110.0),
        ItemScore("oats", "08120", "item-7", 55.0, 14.0, 150.0),
    ]
    assert meal_recipe_scores(items) == {7: (60.0, 37.5), 71: (30.0, 20.0)}


def test_grams_to_buy_round_up_to_whole_grams_but_not_float_noise():
    assert 200 * 1.1 == 220.00000000000003
    assert recipes.grams_to_buy(200 * 1.1) == 220
    assert recipes.grams_to_buy(220.2) == 221
    assert recipes.grams_to_buy(0.4) == 1
    assert recipes.grams_to_buy(300) == 300


def test_the_shopping_measure_is_the_usual_one_unless_it_fits_badly():
    from types import SimpleNamespace

    from plans.recipe_selectors import household_measure

    def portion(grams, label):
        return SimpleNamespace(grams=grams, label=label)

    garlic = [portion(136, "1 cup"), portion(2.8, "1 tsp"), portion(3, "1 clove")]
    assert household_measure(3, garlic) == "≈ 1 × 1 clove"  # not "≈ 0 × 1 cup", not nothing
    assert household_measure(2.9, garlic) == "≈ 1 × 1 clove"  # a little under one still counts
    assert household_measure(300, garlic) == "≈ 2¼ × 1 cup"  # the usual one, when it fits
    milk = [portion(244, "1 cup"), portion(30.5, "1 fl oz")]
    assert household_measure(220, milk) == "≈ 1 × 1 cup"
    assert household_measure(0.5, milk) == ""  # too little for any measure: grams say it


def test_the_shopping_measure_counts_whole_pieces_where_the_food_has_them():
    from types import SimpleNamespace

    from plans.recipe_selectors import household_measure

    def portion(grams, label):
        return SimpleNamespace(grams=grams, label=label)

    bananas = [
        portion(225, "1 cup, mashed"),
        portion(150, "1 cup, sliced"),
        portion(81, '1 extra small (less than 6" long)'),
        portion(118, '1 medium (7" to 7-7/8" long)'),
        portion(136, '1 large (8" to 8-7/8" long)'),
        portion(126, "1 NLEA serving"),
    ]
    assert household_measure(236, bananas) == '≈ 2 × 1 medium (7" to 7-7/8" long)'
    eggs = [
        portion(50, "1 large"),
        portion(243, "1 cup (4.86 large eggs)"),
        portion(44, "1 medium"),
    ]
    assert household_measure(150, eggs) == "≈ 3 × 1 large"  # USDA's usual one is a piece
    onions = [
        portion(160, "1 cup, chopped"),
        portion(14, '1 slice, medium (1/8" thick)'),
        portion(150, "1 large"),
        portion(110, '1 medium (2-1/2" dia)'),
    ]
    assert household_measure(220, onions) == '≈ 2 × 1 medium (2-1/2" dia)'  # not slices
    spinach = [portion(30, "1 cup"), portion(340, "1 bunch"), portion(10, "1 leaf")]
    assert household_measure(200, spinach) == "≈ ½ × 1 bunch"  # not twenty leaves
    assert household_measure(60, spinach) == "≈ 2 × 1 cup"  # too little for half a bunch
    garlic = [portion(136, "1 cup"), portion(3, "1 clove")]
    assert household_measure(300, garlic) == "≈ 2¼ × 1 cup"  # a hundred cloves is no count


def test_the_shopping_measure_counts_part_pieces_in_whole_ones():
    """USDA lists some pieces by the half ("0.5 fillet"): a list says "≈ ¾ × 1 fillet"."""
    from types import SimpleNamespace

    from plans.recipe_selectors import household_measure

    fillet = SimpleNamespace(grams=198, amount=0.5, unit="fillet", label="0.5 fillet")
    assert household_measure(300, [fillet]) == "≈ ¾ × 1 fillet"  # not "≈ 1½ × 0.5 fillet"
    cloves = SimpleNamespace(grams=9, amount=3, unit="cloves", label="3 cloves")
    assert household_measure(18, [cloves]) == "≈ 2 × 3 cloves"  # whole amounts stay as listed
