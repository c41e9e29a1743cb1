"""Custom foods: services (atomic, validated) and their pages (422 with field errors)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from foods.models import Food
from foods.selectors import custom_food_get_for, food_picked_by, food_search
from foods.services import custom_food_create, custom_food_delete, custom_food_update
from tests.factories import FoodFactory, UserFactory

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
        ("portion_grams", "0", "more than 0 g"),
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
