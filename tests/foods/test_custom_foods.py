"""Custom foods: services (atomic, validated) and their pages (422 with field errors)."""

import html as html_text
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from foods.models import Food
from foods.nutrients import NUTRIENTS
from foods.selectors import custom_food_get_for, food_picked_by, food_search, food_values
from foods.services import custom_food_create, custom_food_delete, custom_food_update
from plans.models import DayTemplate, DayTemplateItem, MealItem, WeekTemplate
from plans.services import day_get_or_create, meal_delete, meal_item_delete, meal_restore
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    MealTemplateItemFactory,
    ProfileFactory,
    RecipeIngredientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VALID = {
    "description": "Granola, homemade, with pumpkin seeds",
    "magnesium_mg_per_100g": "180",
    "kcal_per_100g": "450",
    "phytate_mg_per_100g": "600",
    "oxalate_mg_per_100g": "",
    "portion_unit": "bowl",
    "portion_grams": "60",
}
TOO_LIGHT = "A portion must weigh at least 0.1 g, the least a meal item can weigh."


def test_create_sets_owner_estimate_basis_and_portion() -> None:
    user = UserFactory()
    food = custom_food_create(
        user=user,
        description="Granola",
        magnesium_mg_per_100g=180,
        phytate_mg_per_100g=600,
        portion_unit="bowl",
        portion_grams=60,
    )
    assert (food.owner, food.source, food.food_group) == (user, "custom", "Custom foods")
    assert (food.phytate_basis, food.phytate_source) == ("estimate", "entered by you")
    assert (food.oxalate_mg_per_100g, food.oxalate_source) == (0, "not entered: counted as none")
    assert [(p.label, p.grams) for p in food.portions.all()] == [("1 bowl", 60)]


def test_create_rejects_implausible_magnesium_and_writes_nothing() -> None:
    with pytest.raises(ValidationError) as error:
        custom_food_create(user=UserFactory(), description="Typo", magnesium_mg_per_100g=1800)
    assert "magnesium_mg_per_100g" in error.value.message_dict
    assert not Food.objects.exists()


@pytest.mark.parametrize("field", ["phytate_mg_per_100g", "oxalate_mg_per_100g"])
def test_create_refuses_more_antinutrient_than_the_food_weighs(field) -> None:
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        custom_food_create(user=user, description="Typo", magnesium_mg_per_100g=50, **{field: 2e5})
    assert "100 g of food weighs 100,000 mg" in error.value.message_dict[field][0]
    assert not Food.objects.filter(owner=user).exists()
    # The whole food may be the substance: 100,000 mg per 100 g is the ceiling, not over it.
    food = custom_food_create(
        user=user, description="Pure", magnesium_mg_per_100g=0, **{field: 100_000}
    )
    assert getattr(food, field) == 100_000


def test_create_rolls_back_when_the_portion_is_invalid() -> None:
    with pytest.raises(ValidationError):
        custom_food_create(
            user=UserFactory(), description="Bar", magnesium_mg_per_100g=50, portion_grams=-5
        )
    assert not Food.objects.exists()


def test_update_changes_the_portion_in_place() -> None:
    user = UserFactory()
    food = custom_food_create(
        user=user, description="Bar", magnesium_mg_per_100g=50, portion_unit="bar", portion_grams=40
    )
    portion_pk = food.portions.get().pk
    custom_food_update(
        food=food,
        description="Bar, dark",
        magnesium_mg_per_100g=70,
        portion_unit="bar",
        portion_grams=45,
    )
    food.refresh_from_db()
    assert (food.description, food.magnesium_mg_per_100g) == ("Bar, dark", 70)
    assert [(p.pk, p.grams) for p in food.portions.all()] == [(portion_pk, 45)]


def test_services_refuse_database_foods() -> None:
    food = FoodFactory()
    with pytest.raises(ValueError, match="editors"):
        custom_food_update(food=food, description="x", magnesium_mg_per_100g=1)
    with pytest.raises(ValueError, match="editors"):
        custom_food_delete(food=food)
    assert Food.objects.filter(pk=food.pk).exists()


def test_custom_food_is_searchable_by_its_owner_only() -> None:
    owner, other = UserFactory(), UserFactory()
    custom_food_create(user=owner, description="Granola, homemade", magnesium_mg_per_100g=180)
    assert [f.description for f in food_search(user=owner, query="granola")] == [
        "Granola, homemade"
    ]
    assert food_search(user=other, query="granola") == []


# ---- pages ----


def test_pages_need_a_login(client) -> None:
    response = client.get(reverse("foods:custom_new"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_add_a_food(client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("foods:custom_new"), VALID)
    food = Food.objects.get(owner=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("foods:detail", args=[food.pk])
    assert food.magnesium_mg_per_100g == 180
    assert food.phytate_source == "entered by you"
    assert food.oxalate_source == "not entered: counted as none"
    page = client.get(response["Location"]).content.decode()
    assert "Estimate, entered by you" in page
    assert "Estimate by rule" not in page  # no rule made these: the person typed them


@pytest.mark.parametrize("typed", ["1 bowl", "a bowl", "One  bowl", "bowl"])
def test_a_portion_typed_with_its_one_is_named_once(client, typed) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("foods:custom_new"), {**VALID, "portion_unit": typed})
    assert response.status_code == 302
    portion = Food.objects.get(owner=user).portions.get()
    assert (portion.amount, portion.unit) == (1, "bowl")  # shown "1 bowl", not "1 1 bowl"


def test_add_with_htmx_redirects_the_client(client) -> None:
    client.force_login(UserFactory())
    response = client.post(reverse("foods:custom_new"), VALID, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/foods/")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("magnesium_mg_per_100g", "1500", "implausible"),
        ("magnesium_mg_per_100g", "-3", "greater than or equal to 0"),
        ("magnesium_mg_per_100g", "", "This field is required"),
        ("kcal_per_100g", "-1", "greater than or equal to 0"),
        ("phytate_mg_per_100g", "-10", "greater than or equal to 0"),
        ("phytate_mg_per_100g", "200000", "100 g of food weighs 100,000 mg"),
        ("phytate_mg_per_100g", "1e308", "100 g of food weighs 100,000 mg"),
        ("oxalate_mg_per_100g", "100000.5", "100 g of food weighs 100,000 mg"),
        ("portion_grams", "0", "at least 0.1 g"),
        ("portion_unit", "2 bars", "without a number"),
        ("description", "", "This field is required"),
    ],
)
def test_invalid_input_is_422_with_the_field_error(client, field, value, message) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_new"), {**VALID, field: value}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="custom-food-form"')
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Food.objects.filter(owner=user).exists()


# ---- every nutrient's ceiling: nothing holds more of anything than its own weight ----

# As a person reads them: 100 g of food holds at most 100 g (100,000 mg, 100,000,000 µg) of
# anything, and nothing yields more energy than pure fat (SR28's lard and fish oils: 902 kcal).
CEILING_BY_UNIT = {"g": 100, "mg": 100_000, "µg": 100_000_000, "kcal": 902}
# Magnesium has its tighter plausibility cap (1,000 mg), tested above.
BOUNDED = [n for n in NUTRIENTS if n.field != "magnesium_mg_per_100g"]


@pytest.mark.parametrize("nutrient", BOUNDED, ids=lambda n: n.field)
def test_every_nutrient_above_its_ceiling_is_422_at_its_field(client, nutrient) -> None:
    user = UserFactory()
    client.force_login(user)
    ceiling = CEILING_BY_UNIT[nutrient.unit]
    response = client.post(
        reverse("foods:custom_new"),
        {**VALID, nutrient.field: str(ceiling * 1.001)},
        HTTP_HX_REQUEST="true",
    )
    errors = _errors(response.content.decode())
    assert response.status_code == 422
    assert list(errors) == [nutrient.field]
    assert errors[nutrient.field][0].startswith(f"At most {ceiling:,} {nutrient.unit} per 100 g: ")
    assert not Food.objects.filter(owner=user).exists()


@pytest.mark.parametrize("nutrient", BOUNDED, ids=lambda n: n.field)
def test_a_food_may_be_all_of_one_thing(client, nutrient) -> None:
    user = UserFactory()
    client.force_login(user)
    ceiling = CEILING_BY_UNIT[nutrient.unit]
    response = client.post(reverse("foods:custom_new"), {**VALID, nutrient.field: str(ceiling)})
    assert response.status_code == 302
    assert getattr(Food.objects.get(owner=user), nutrient.field) == ceiling


def test_absurd_values_are_refused_each_at_its_field(client) -> None:
    # Found by QA: each was saved, the page printed 300 digits and "inf", and the 1e308 kcal
    # food broke "Fill my day".
    user = UserFactory()
    client.force_login(user)
    absurd = {
        "kcal_per_100g": "1e308",
        "calcium_mg_per_100g": "1e308",
        "protein_g_per_100g": "1e308",
    }
    response = client.post(reverse("foods:custom_new"), {**VALID, **absurd})
    assert response.status_code == 422
    assert _errors(response.content.decode()) == {
        "kcal_per_100g": ["At most 902 kcal per 100 g: nothing has more (pure fat)."],
        "protein_g_per_100g": [
            "At most 100 g per 100 g: 100 g of food cannot hold more of anything. "
            "Check the unit (g, not mg)."
        ],
        "calcium_mg_per_100g": [
            "At most 100,000 mg per 100 g: 100 g of food weighs 100,000 mg. "
            "Check the unit (mg, not µg)."
        ],
    }
    assert not Food.objects.filter(owner=user).exists()


def test_an_absurd_value_on_edit_changes_nothing(client) -> None:
    user = UserFactory()
    food = custom_food_create(
        user=user, description="Bar", magnesium_mg_per_100g=50, kcal_per_100g=400
    )
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_edit", args=[food.pk]),
        {**VALID, "description": "Bar, dark", "vitamin_d_ug_per_100g": "1e9"},
    )
    assert response.status_code == 422
    assert _errors(response.content.decode()) == {
        "vitamin_d_ug_per_100g": [
            "At most 100,000,000 µg per 100 g: 100 g of food weighs 100,000,000 µg."
        ]
    }
    food.refresh_from_db()
    assert (food.description, food.kcal_per_100g, food.vitamin_d_ug_per_100g) == ("Bar", 400, None)


@pytest.mark.parametrize("value", [1e308, 903.0, float("nan")])
def test_the_service_refuses_energy_above_pure_fat(value) -> None:
    # The model's own check, which the admin and CSV imports go through too.
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        custom_food_create(
            user=user, description="Typo", magnesium_mg_per_100g=50, kcal_per_100g=value
        )
    assert error.value.message_dict == {
        "kcal_per_100g": ["At most 902 kcal per 100 g: nothing has more (pure fat)."]
    }
    assert not Food.objects.filter(owner=user).exists()


def test_the_service_refuses_a_portion_lighter_than_a_meal_item() -> None:
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        custom_food_create(
            user=user, description="Bar", magnesium_mg_per_100g=50, portion_grams=1e-320
        )
    assert error.value.message_dict == {"grams": [TOO_LIGHT]}
    assert not Food.objects.filter(owner=user).exists()


def test_edit_prefills_and_saves(client) -> None:
    user = UserFactory()
    food = custom_food_create(
        user=user, description="Bar", magnesium_mg_per_100g=50, portion_unit="bar", portion_grams=40
    )
    client.force_login(user)
    html = client.get(reverse("foods:custom_edit", args=[food.pk])).content.decode()
    assert 'value="Bar"' in html
    assert 'value="40.0"' in html
    response = client.post(
        reverse("foods:custom_edit", args=[food.pk]), {**VALID, "description": "Bar, dark"}
    )
    assert response.status_code == 302
    food.refresh_from_db()
    assert food.description == "Bar, dark"


def test_a_model_error_on_a_field_the_form_lacks_is_shown_not_raised(client) -> None:
    # Found by the fuzzer: a stored custom food whose code fails validation made the edit
    # view put a "code" error on a form without that field, a 500.
    user = UserFactory()
    food = FoodFactory(source="custom", owner=user, code="", description="Bar")
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_edit", args=[food.pk]), {**VALID, "description": "Bar, dark"}
    )
    assert response.status_code == 422
    assert "This field cannot be blank." in response.content.decode()
    food.refresh_from_db()
    assert food.description == "Bar"


def test_someone_elses_food_cannot_be_edited_or_deleted(client) -> None:
    food = custom_food_create(user=UserFactory(), description="Mine", magnesium_mg_per_100g=5)
    database_food = FoodFactory()
    client.force_login(UserFactory())
    for pk in (food.pk, database_food.pk):
        assert client.get(reverse("foods:custom_edit", args=[pk])).status_code == 404
        assert client.post(reverse("foods:custom_edit", args=[pk]), VALID).status_code == 404
        assert client.post(reverse("foods:custom_delete", args=[pk])).status_code == 404
    food.refresh_from_db()
    assert food.description == "Mine"


def test_delete_asks_then_deletes(client) -> None:
    user = UserFactory()
    food = custom_food_create(user=user, description="Old bar", magnesium_mg_per_100g=5)
    client.force_login(user)
    assert (
        "Delete “Old bar”?"
        in client.get(reverse("foods:custom_delete", args=[food.pk])).content.decode()
    )
    response = client.post(reverse("foods:custom_delete", args=[food.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("foods:custom_list")
    assert not Food.objects.filter(pk=food.pk).exists()


def test_list_shows_only_my_foods(client) -> None:
    user = UserFactory()
    custom_food_create(user=user, description="My granola", magnesium_mg_per_100g=5)
    custom_food_create(user=UserFactory(), description="Their granola", magnesium_mg_per_100g=5)
    client.force_login(user)
    html = client.get(reverse("foods:custom_list")).content.decode()
    assert "My granola" in html
    assert "Their granola" not in html


def test_create_and_update_refuse_a_field_that_is_not_a_custom_food_field() -> None:
    user = UserFactory()
    with pytest.raises(TypeError, match="food_group"):
        custom_food_create(user=user, description="x", magnesium_mg_per_100g=1, food_group="Nuts")
    assert not Food.objects.filter(owner=user).exists()
    food = custom_food_create(user=user, description="Mine", magnesium_mg_per_100g=5)
    with pytest.raises(TypeError, match="owner"):
        custom_food_update(food=food, description="Mine", magnesium_mg_per_100g=5, owner=None)
    food.refresh_from_db()
    assert food.owner == user


def test_a_picked_food_is_found_only_where_its_user_may_see_it() -> None:
    owner, someone = UserFactory(), UserFactory()
    mine = custom_food_create(user=owner, description="Mine", magnesium_mg_per_100g=5)
    shared = FoodFactory(description="Oats")
    assert food_picked_by(user=owner, pk=mine.pk) == mine
    assert food_picked_by(user=owner, pk=shared.pk).description == "Oats"
    assert food_picked_by(user=someone, pk=shared.pk) == shared
    assert food_picked_by(user=someone, pk=mine.pk) is None
    assert food_picked_by(user=AnonymousUser(), pk=shared.pk) == shared
    assert food_picked_by(user=AnonymousUser(), pk=mine.pk) is None
    assert food_picked_by(user=owner, pk=None) is None
    assert food_picked_by(user=owner, pk=mine.pk + shared.pk + 1) is None


def test_custom_food_get_for_is_a_404_for_anyone_but_the_owner() -> None:
    owner = UserFactory()
    food = custom_food_create(user=owner, description="Mine", magnesium_mg_per_100g=5)
    assert custom_food_get_for(user=owner, pk=food.pk) == food
    for someone in (UserFactory(), AnonymousUser()):
        with pytest.raises(Http404):
            custom_food_get_for(user=someone, pk=food.pk)
    with pytest.raises(Http404):
        custom_food_get_for(user=owner, pk=FoodFactory().pk)


# ---- deleting a food that meals, recipes or templates name ----


def _eaten(user, food, on, meal="Lunch") -> MealItem:
    day = day_get_or_create(user=user, on=on, editor=user)
    return MealItemFactory(meal=day.meals.get(name=meal), food=food, grams=50)


def test_a_deleted_meal_item_does_not_block_deleting_its_food(client, today) -> None:
    person = ProfileFactory().user
    food = custom_food_create(user=person, description="Granola", magnesium_mg_per_100g=180)
    item = _eaten(person, food, today)
    client.force_login(person)
    assert client.post(reverse("plans:meal_item_delete", args=[item.pk])).status_code == 302
    page = client.get(reverse("foods:custom_delete", args=[food.pk])).content.decode()
    assert "it can no longer be brought back with Undo" in page

    response = client.post(reverse("foods:custom_delete", args=[food.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("foods:custom_list")
    assert not Food.objects.filter(pk=food.pk).exists()
    # The deleted item went with its food: its Undo can no longer bring it back.
    assert not MealItem.objects.filter(pk=item.pk).exists()
    assert client.post(reverse("plans:meal_item_restore", args=[item.pk])).status_code == 404
    day_url = reverse("plans:day", args=[today.isoformat()])
    assert client.get(day_url, {"undo": item.pk}).status_code == 200


def test_items_of_a_deleted_meal_do_not_block_and_its_undo_brings_the_rest_back(today) -> None:
    person = ProfileFactory().user
    food = custom_food_create(user=person, description="Granola", magnesium_mg_per_100g=180)
    item = _eaten(person, food, today)
    oats = MealItemFactory(meal=item.meal, grams=40)
    meal_delete(meal=item.meal, editor=person)

    custom_food_delete(food=food)

    assert not MealItem.objects.filter(pk=item.pk).exists()
    meal_restore(meal=item.meal, editor=person)
    assert list(item.meal.items.values_list("pk", flat=True)) == [oats.pk]


def test_a_live_item_still_blocks_and_the_deleted_ones_stay_restorable(client, today) -> None:
    person = ProfileFactory().user
    food = custom_food_create(user=person, description="Granola", magnesium_mg_per_100g=180)
    gone = _eaten(person, food, today, meal="Breakfast")
    meal_item_delete(item=gone, editor=person)
    live = _eaten(person, food, today, meal="Dinner")
    client.force_login(person)

    response = client.post(reverse("foods:custom_delete", args=[food.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 409
    assert f"your plan on {today:%a %-d %b %Y} (Dinner)" in html
    assert "Breakfast" not in html
    assert "Remove it from them, then delete it." in html
    # Refused as a whole: the food, the live item and the deleted one (still undoable) stay.
    assert Food.objects.filter(pk=food.pk).exists()
    assert MealItem.objects.get(pk=live.pk).deleted_at is None
    assert MealItem.objects.get(pk=gone.pk).deleted_at is not None


def test_recipes_and_templates_that_use_the_food_block_and_are_named() -> None:
    person = ProfileFactory().user
    food = custom_food_create(user=person, description="Granola", magnesium_mg_per_100g=180)
    RecipeIngredientFactory(recipe__owner=person, recipe__name="Granola bowl", food=food)
    MealTemplateItemFactory(template__owner=person, template__name="Quick breakfast", food=food)
    day_template = DayTemplate.objects.create(owner=person, name="Busy Monday")
    DayTemplateItem.objects.create(template=day_template, meal_name="Lunch", food=food, grams=30)
    week = WeekTemplate.objects.create(owner=person, name="Training week")
    week_day = DayTemplate.objects.create(owner=person, name="Training week, day 1", week=week)
    week_day.items.create(meal_name="Lunch", food=food, grams=30)

    with pytest.raises(ValidationError) as error:
        custom_food_delete(food=food)

    assert error.value.messages == [
        "“Granola” is still used in: your recipe “Granola bowl”; your meal template "
        "“Quick breakfast”; your day template “Busy Monday”; your week template "
        "“Training week”. Remove it from them, then delete it."
    ]
    assert Food.objects.filter(pk=food.pk).exists()


def test_a_refusal_names_the_first_days_and_counts_the_rest(today) -> None:
    person = ProfileFactory().user
    food = custom_food_create(user=person, description="Granola", magnesium_mg_per_100g=180)
    for offset in range(5):
        _eaten(person, food, today + timedelta(days=offset))

    with pytest.raises(ValidationError) as error:
        custom_food_delete(food=food)

    days = ", ".join(f"{today + timedelta(days=n):%a %-d %b %Y} (Lunch)" for n in range(3))
    assert error.value.messages == [
        f"“Granola” is still used in: your plan on {days} and 2 more. "
        "Remove it from them, then delete it."
    ]


def test_someone_elses_row_naming_the_food_blocks_without_naming_it(today) -> None:
    # Older data: templates and duplicated recipes now give other people their own copy.
    person, someone = ProfileFactory().user, ProfileFactory().user
    food = custom_food_create(user=person, description="Granola", magnesium_mg_per_100g=180)
    _eaten(someone, food, today)

    with pytest.raises(ValidationError) as error:
        custom_food_delete(food=food)

    assert error.value.messages == [
        "“Granola” is still used in: someone else's plan, recipe or template. "
        "It can be deleted once they no longer use it."
    ]
    assert Food.objects.filter(pk=food.pk).exists()


# ---- a blank phytate or oxalate: not entered, counted as none ----


def _detail(client, food) -> str:
    response = client.get(reverse("foods:detail", args=[food.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_blank_antinutrients_read_as_not_entered_and_counted_as_none(client) -> None:
    user = UserFactory()
    client.force_login(user)
    blank = {**VALID, "phytate_mg_per_100g": "", "oxalate_mg_per_100g": ""}
    response = client.post(reverse("foods:custom_new"), blank)
    food = Food.objects.get(owner=user)

    html = _detail(client, food)

    assert html.count("Not entered: counted as none.") == 2
    assert "The score takes nothing off this food's magnesium for phytate." in html
    assert "The score takes nothing off this food's magnesium for oxalate." in html
    # Nothing the person typed, so nothing "entered by you", and no 0 mg presented as a value.
    assert "entered by you" not in html
    assert "mg per 100 g." not in html
    assert "Source:" not in html
    assert "No phytate" not in html
    assert html.count(f'href="{reverse("foods:custom_edit", args=[food.pk])}"') == 3
    # What the page says is what the score uses: none of either.
    values = food_values(food)
    assert (values.phytate_mg_per_100g, values.oxalate_mg_per_100g) == (0, 0)
    assert response["Location"] == reverse("foods:detail", args=[food.pk])


def test_an_entered_value_and_a_blank_are_told_apart(client) -> None:
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("foods:custom_new"), {**VALID, "oxalate_mg_per_100g": ""})

    html = _detail(client, Food.objects.get(owner=user))

    # Phytate 600 mg per 100 g, 360 mg in the 60 g bowl; oxalate left blank.
    assert "Estimate, entered by you" in html
    assert "600 mg per 100 g, 360 mg in 1 bowl." in html
    assert html.count("Not entered: counted as none.") == 1
    assert "for oxalate." in html
    assert "“Estimate”: the value you entered." in html
    assert "Phytate binds magnesium" in html


def test_a_typed_zero_is_a_value_not_a_blank(client) -> None:
    user = UserFactory()
    client.force_login(user)
    zeros = {**VALID, "phytate_mg_per_100g": "0", "oxalate_mg_per_100g": "0"}
    client.post(reverse("foods:custom_new"), zeros)
    food = Food.objects.get(owner=user)

    html = _detail(client, food)

    assert html.count("Estimate, entered by you") == 2
    assert html.count("0 mg per 100 g, 0 mg in 1 bowl.") == 2
    assert "Not entered" not in html
    assert "No phytate: nothing in this food binds its magnesium that way." in html
    # Editing shows the typed zeros again, and leaves a blank blank.
    edit = client.get(reverse("foods:custom_edit", args=[food.pk])).content.decode()
    assert 'name="phytate_mg_per_100g" value="0.0"' in edit
    custom_food_update(food=food, description="Bar", magnesium_mg_per_100g=5)
    edit = client.get(reverse("foods:custom_edit", args=[food.pk])).content.decode()
    assert re.search(r'<input type="number" name="phytate_mg_per_100g"(?![^>]*value=)', edit)


# ---- the household portion: one message, at the right field ----


def _errors(html: str) -> dict[str, list[str]]:
    """Each field's error messages, as the form shows them."""
    return {
        field: [
            html_text.unescape(message)
            for message in re.findall(
                r'<span class="visually-hidden">Error: </span>(.*?)</li>', block
            )
        ]
        for field, block in re.findall(
            r'<ul class="errorlist field-errors" id="id_(\w+)_error">(.*?)</ul>', html, re.S
        )
    }


@pytest.mark.parametrize(
    ("unit", "grams", "field", "message"),
    [
        ("bowl", "0", "portion_grams", TOO_LIGHT),
        ("bowl", "-5", "portion_grams", TOO_LIGHT),
        ("bowl", "", "portion_grams", "Give the portion's weight, or leave both blank."),
        (
            "bowl",
            "5000.1",
            "portion_grams",
            "At most 5,000 g: a heavier portion could not be planned.",
        ),
        (
            "bowl",
            "1e308",
            "portion_grams",
            "At most 5,000 g: a heavier portion could not be planned.",
        ),
        # Lighter than any meal item: it showed as "1 bowl (0.0 g)".
        ("bowl", "1e-320", "portion_grams", TOO_LIGHT),
        ("bowl", "0.09", "portion_grams", TOO_LIGHT),
        ("bowl", "1e309", "portion_grams", "Enter the weight of one portion in grams, e.g. 60."),
        ("bowl", "sixty", "portion_grams", "Enter the weight of one portion in grams, e.g. 60."),
        ("bowl", "nan", "portion_grams", "Enter the weight of one portion in grams, e.g. 60."),
        ("2 bars", "60", "portion_unit", "Name one portion without a number"),
        ("2 bars", "", "portion_unit", "Name one portion without a number"),
    ],
)
def test_a_bad_portion_gets_one_message_at_its_field(client, unit, grams, field, message) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_new"),
        {**VALID, "portion_unit": unit, "portion_grams": grams},
        HTTP_HX_REQUEST="true",
    )
    errors = _errors(response.content.decode())
    assert response.status_code == 422
    assert list(errors) == [field]
    assert len(errors[field]) == 1
    assert errors[field][0].startswith(message)
    assert not Food.objects.filter(owner=user).exists()


def test_a_bad_name_and_a_bad_weight_get_one_message_each(client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_new"), {**VALID, "portion_unit": "2 bars", "portion_grams": "0"}
    )
    errors = _errors(response.content.decode())
    assert response.status_code == 422
    assert errors["portion_grams"] == [TOO_LIGHT]
    assert len(errors["portion_unit"]) == 1
    assert not Food.objects.filter(owner=user).exists()


def test_a_zero_weight_on_edit_is_one_message_and_changes_nothing(client) -> None:
    user = UserFactory()
    food = custom_food_create(
        user=user, description="Bar", magnesium_mg_per_100g=50, portion_unit="bar", portion_grams=40
    )
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_edit", args=[food.pk]),
        {**VALID, "portion_unit": "bar", "portion_grams": "0"},
    )
    assert response.status_code == 422
    assert _errors(response.content.decode()) == {"portion_grams": [TOO_LIGHT]}
    food.refresh_from_db()
    assert food.description == "Bar"
    assert [(p.unit, p.grams) for p in food.portions.all()] == [("bar", 40)]


@pytest.mark.parametrize(
    ("unit", "grams", "portions"),
    [
        ("", "", []),
        ("", "60", [("1 portion", 60)]),
        ("bowl", "5000", [("1 bowl", 5000)]),
        ("dash", "0.1", [("1 dash", 0.1)]),
    ],
)
def test_a_portion_left_out_or_unnamed_is_saved(client, unit, grams, portions) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("foods:custom_new"), {**VALID, "portion_unit": unit, "portion_grams": grams}
    )
    assert response.status_code == 302
    food = Food.objects.get(owner=user)
    assert [(p.label, p.grams) for p in food.portions.all()] == portions
