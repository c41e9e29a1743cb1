"""A household measure a food editor corrects or deletes, or a person changes on their own
food: what people planned by it follows (plans.food_uses.portion_uses_reweigh and
portion_uses_in_grams, through foods.signals)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from foods.models import Food, Portion
from foods.services import custom_food_create, custom_food_update
from plans.food_uses import measured_grams
from plans.models import DayTemplate, DayTemplateItem, MealItem, MealRecipe
from plans.recipe_selectors import recipe_get_for
from plans.recipe_services import recipe_export, recipe_import
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    MealRecipeFactory,
    MealTemplateItemFactory,
    PortionFactory,
    RecipeFactory,
    RecipeIngredientFactory,
    UserFactory,
)
from tests.foods.test_admin import change_data

db = pytest.mark.django_db

TWO = Decimal(2)


@pytest.fixture
def lentils() -> Food:
    food = FoodFactory(code="16069", description="Lentils, raw")
    PortionFactory(food=food, seq=1, unit="cup", grams=258)
    return food


def _save(client, food: Food, **changes: object):
    return client.post(
        reverse("admin:foods_food_change", args=[food.pk]), change_data(food, **changes)
    )


def _by_cup(factory, food: Food, **fields: object):
    """Two cups of `food`, planned when a cup weighed 258 g."""
    cup = food.portions.get(unit="cup")
    return factory(food=food, portion=cup, portion_quantity=TWO, grams=516.0, **fields)


def _day_template_line(food: Food) -> DayTemplateItem:
    template = DayTemplate.objects.create(owner=UserFactory(), name="Lentil day")
    return _by_cup(DayTemplateItem.objects.create, food, template=template, meal_name="Lunch")


@db
def test_a_corrected_measure_reweighs_everything_planned_by_it(
    client, editor, lentils, django_capture_on_commit_callbacks
) -> None:
    item = _by_cup(MealItemFactory, lentils)
    undo_only = _by_cup(MealItemFactory, lentils, deleted_at=timezone.now())
    meal_template_line = _by_cup(MealTemplateItemFactory, lentils)
    day_template_line = _day_template_line(lentils)
    recipe_line = _by_cup(RecipeIngredientFactory, lentils)
    in_grams = MealItemFactory(food=lentils, grams=516.0)
    person = item.meal.day.plan.owner
    stamp = person.data_stamp

    with django_capture_on_commit_callbacks(execute=True):
        response = _save(client, lentils, **{"portions-0-grams": 50})

    assert response.status_code == 302
    for row in (item, undo_only, meal_template_line, day_template_line, recipe_line):
        row.refresh_from_db()
        assert (row.portion_quantity, row.grams) == (TWO, 100.0)
    assert item.amount_label == "2 × 1 cup (100 g)"
    in_grams.refresh_from_db()
    assert (in_grams.portion, in_grams.grams) == (None, 516.0)
    # Their cached day pages go: the admin's request refreshes only its own user's.
    person.refresh_from_db()
    assert person.data_stamp != stamp


@db
def test_a_recipe_exported_after_the_correction_imports_again(client, editor, lentils) -> None:
    line = _by_cup(RecipeIngredientFactory, lentils)
    owner = line.recipe.owner
    assert _save(client, lentils, **{"portions-0-grams": 50}).status_code == 302

    exported = recipe_export(recipe_get_for(user=owner, pk=line.recipe_id))
    copy = recipe_import(owner=owner, data=exported)

    imported = copy.ingredients.get()
    assert (imported.portion.grams, imported.portion_quantity, imported.grams) == (50, TWO, 100)


@db
def test_uses_in_grams_of_a_recipe_keep_their_grams_when_a_line_is_reweighed(
    client, editor, lentils
) -> None:
    line = _by_cup(RecipeIngredientFactory, lentils, recipe=RecipeFactory(servings=2))
    RecipeIngredientFactory(recipe=line.recipe, grams=484.0)  # 1,000 g raw: 500 g a serving
    used = MealRecipeFactory(recipe=line.recipe, grams=250.0, servings=Decimal("0.5"))

    assert _save(client, lentils, **{"portions-0-grams": 50}).status_code == 302

    used.refresh_from_db()
    # 584 g raw now, 292 g a serving.
    assert used.grams == 250.0
    assert float(used.servings) == pytest.approx(250 / 292, abs=1e-9)


@db
def test_a_weight_that_would_plan_too_much_is_refused_on_the_measure(
    client, editor, lentils
) -> None:
    cup = lentils.portions.get()
    item = MealItemFactory(food=lentils, portion=cup, portion_quantity=15, grams=3870.0)

    response = _save(client, lentils, **{"portions-0-grams": 400})

    assert response.status_code == 200
    html = response.content.decode()
    assert "15 × 1 cup is planned, which would weigh 6,000 g: at most 5,000 g" in html
    cup.refresh_from_db()
    item.refresh_from_db()
    assert (cup.grams, item.grams) == (258, 3870.0)


@pytest.fixture
def seed_mix() -> MealRecipe:
    """A person's recipe of one serving, 1 cup (129 g) and 1 oz (28.35 g) of pumpkin seeds,
    planned as 6,000 g of the dish: 38.1 servings."""
    seeds = FoodFactory(code="12014", description="Seeds, pumpkin and squash seed kernels")
    recipe = RecipeFactory(name="Seed mix", servings=1)
    for seq, unit, grams in ((1, "cup", 129.0), (2, "oz", 28.35)):
        portion = PortionFactory(food=seeds, seq=seq, unit=unit, grams=grams)
        RecipeIngredientFactory(
            recipe=recipe, food=seeds, portion=portion, portion_quantity=1, grams=grams
        )
    return MealRecipeFactory(
        recipe=recipe,
        meal__day__plan__owner=recipe.owner,
        grams=6000.0,
        servings=Decimal(6000) / Decimal("157.35"),
    )


@db
def test_two_measures_reweighed_together_are_checked_together(client, editor, seed_mix) -> None:
    seeds = seed_mix.recipe.ingredients.first().food
    # Each alone leaves the 6,000 g within a meal's 100 servings (87.8 and 43.2); both make a
    # serving 50 g, and 6,000 g of it 120 servings. The save re-weighs the cup, then the oz.
    response = _save(client, seeds, **{"portions-0-grams": 40, "portions-1-grams": 10})

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "grams" not in errors[0]
    assert errors[1]["grams"] == [
        "A recipe made with this measure: 6000 g of this dish planned in a meal would be "
        "120 servings, and a meal takes 0.01 to 100 servings of a recipe."
    ]
    assert [p.grams for p in seeds.portions.all()] == [129.0, 28.35]
    assert sorted(seed_mix.recipe.ingredients.values_list("grams", flat=True)) == [28.35, 129.0]

    # Both within the limit together: each is re-weighed once, by the save (65 g a serving).
    response = _save(client, seeds, **{"portions-0-grams": 40, "portions-1-grams": 25})

    assert response.status_code == 302
    assert sorted(seed_mix.recipe.ingredients.values_list("grams", flat=True)) == [25.0, 40.0]
    seed_mix.refresh_from_db()
    assert float(seed_mix.servings) == pytest.approx(6000 / 65, abs=0.01)


@db
def test_a_deleted_measure_leaves_what_was_planned_by_it_in_grams(
    client, editor, lentils, django_capture_on_commit_callbacks
) -> None:
    item = _by_cup(MealItemFactory, lentils)
    recipe_line = _by_cup(RecipeIngredientFactory, lentils)
    person = item.meal.day.plan.owner
    stamp = person.data_stamp

    with django_capture_on_commit_callbacks(execute=True):
        response = _save(client, lentils, **{"portions-0-DELETE": "on"})

    assert response.status_code == 302
    assert not Portion.objects.filter(food=lentils).exists()
    for row in (item, recipe_line):
        row.refresh_from_db()
        assert (row.portion, row.portion_quantity, row.grams) == (None, None, 516.0)
    assert item.amount_label == "516 g"
    person.refresh_from_db()
    assert person.data_stamp != stamp


@db
def test_a_person_changing_their_own_foods_portion_reweighs_their_items() -> None:
    person = UserFactory()
    food = custom_food_create(
        user=person, description="My granola", magnesium_mg_per_100g=120, portion_grams=60
    )
    bowl = food.portions.get()
    item = MealItemFactory(
        meal__day__plan__owner=person, food=food, portion=bowl, portion_quantity=TWO, grams=120
    )

    custom_food_update(
        food=food, description="My granola", magnesium_mg_per_100g=120, portion_grams=45
    )
    item.refresh_from_db()
    assert (item.portion_id, item.grams) == (bowl.pk, 90.0)

    custom_food_update(food=food, description="My granola", magnesium_mg_per_100g=120)
    item.refresh_from_db()
    assert (item.portion, item.portion_quantity, item.grams) == (None, None, 90.0)


@db
def test_a_person_is_told_when_their_new_portion_weight_would_plan_too_much() -> None:
    person = UserFactory()
    food = custom_food_create(
        user=person, description="My granola", magnesium_mg_per_100g=120, portion_grams=60
    )
    MealItemFactory(
        meal__day__plan__owner=person,
        food=food,
        portion=food.portions.get(),
        portion_quantity=50,
        grams=3000,
    )

    with pytest.raises(ValidationError) as refused:
        custom_food_update(
            food=food, description="My granola", magnesium_mg_per_100g=120, portion_grams=150
        )

    assert "7,500 g" in refused.value.message_dict["portion_grams"][0]
    assert food.portions.get().grams == 60
    assert MealItem.objects.get().grams == 3000


def test_a_tiny_count_of_a_light_measure_still_weighs_something() -> None:
    # The rows' constraint refuses 0 g; rounded to 0.01 g, 0.001 × 0.1 g would be 0.
    assert measured_grams(Decimal("0.001"), 0.1) == pytest.approx(0.0001)
    assert measured_grams(TWO, 257.987) == 515.97
