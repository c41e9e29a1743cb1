import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from foods.services import custom_food_create
from plans import services
from plans.models import MealItem, MealTemplate
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    MealTemplateFactory,
    MealTemplateItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def breakfast(day):
    meal = day.meals.get(name="Breakfast")
    MealItemFactory(meal=meal, food=FoodFactory(description="Oats"), grams=40)
    MealItemFactory(meal=meal, food=FoodFactory(description="Milk"), grams=244)
    return meal


def foods_in(meal):
    return list(
        MealItem.objects.filter(meal=meal, deleted_at__isnull=True)
        .order_by("position", "id")
        .values_list("food__description", "grams")
    )


def test_save_then_insert_into_another_meal(person, day, breakfast):
    template = services.meal_template_create(meal=breakfast, name="Porridge", owner=person)
    lunch = day.meals.get(name="Lunch")
    MealItemFactory(meal=lunch, food=FoodFactory(description="Bread"), grams=64)

    services.meal_template_insert(template=template, meal=lunch, editor=person)

    assert foods_in(lunch) == [("Bread", 64), ("Oats", 40), ("Milk", 244)]
    # The template is a copy: changing the meal later leaves it alone.
    MealItem.objects.filter(meal=breakfast).delete()
    assert template.items.count() == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "Give the template a name."), ("porridge", "You already have a template called")],
)
def test_bad_template_names(person, breakfast, name, message):
    MealTemplateFactory(owner=person, name="Porridge")
    with pytest.raises(ValidationError) as error:
        services.meal_template_create(meal=breakfast, name=name, owner=person)
    assert message in error.value.message_dict["name"][0]
    assert MealTemplate.objects.count() == 1


def test_an_empty_meal_cannot_become_a_template(person, day):
    with pytest.raises(ValidationError):
        services.meal_template_create(meal=day.meals.get(name="Dinner"), name="x", owner=person)


def test_save_and_insert_pages_work_without_js(client, person, day, breakfast):
    tools = client.get(reverse("plans:meal_tools", args=[breakfast.pk])).content.decode()
    assert "Save as a template" in tools

    saved = client.post(
        reverse("plans:meal_template_save", args=[breakfast.pk]), {"name": "Porridge"}
    )
    assert saved.status_code == 302
    template = MealTemplate.objects.get(owner=person, name="Porridge")

    dinner = day.meals.get(name="Dinner")
    inserted = client.post(
        reverse("plans:meal_template_insert", args=[dinner.pk]), {"template": template.pk}
    )
    assert inserted.status_code == 302
    assert inserted["Location"].endswith(f"#meal-{dinner.pk}")
    assert foods_in(dinner) == [("Oats", 40), ("Milk", 244)]
    page = client.get(inserted["Location"]).content.decode()
    assert "Added “Porridge” to Dinner." in page


def test_save_page_422_keeps_the_meal(client, person, breakfast):
    response = client.post(reverse("plans:meal_template_save", args=[breakfast.pk]), {"name": ""})
    assert response.status_code == 422
    assert "Give the template a name." in response.content.decode()
    assert not MealTemplate.objects.exists()


def test_inserting_someone_elses_template_is_422(client, person, day):
    stranger = MealTemplateItemFactory().template
    dinner = day.meals.get(name="Dinner")
    response = client.post(
        reverse("plans:meal_template_insert", args=[dinner.pk]), {"template": stranger.pk}
    )
    assert response.status_code == 422
    assert "Pick one of your templates." in response.content.decode()
    assert not foods_in(dinner)


def test_the_template_list_and_delete(client, person):
    template = MealTemplateItemFactory(
        template=MealTemplateFactory(owner=person, name="Salad"),
        food=FoodFactory(description="Spinach"),
    ).template
    page = client.get(reverse("plans:templates")).content.decode()
    assert "Salad" in page
    assert "Spinach (30 g)" in page

    response = client.post(reverse("plans:meal_template_delete", args=[template.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="template-list">')
    assert not MealTemplate.objects.exists()


def test_the_template_list_says_how_an_item_is_prepared(client, person):
    MealTemplateItemFactory(
        template=MealTemplateFactory(owner=person, name="Beans"),
        food=FoodFactory(description="Lentils"),
        preparation="soaked",
    )
    page = client.get(reverse("plans:templates")).content.decode()
    assert "Lentils (30 g, soaked)" in page


def test_deleting_someone_elses_template_is_404(client, person):
    stranger = MealTemplateFactory()
    response = client.post(reverse("plans:meal_template_delete", args=[stranger.pk]))
    assert response.status_code == 404
    assert MealTemplate.objects.filter(pk=stranger.pk).exists()


def test_a_template_keeps_ones_own_custom_food_and_never_lays_anyone_elses(person, day):
    """Custom foods are private: a template (say one saved from a meal a day template filled
    before templates copied them) naming someone else's gives the meal the person's own copy."""
    mine = custom_food_create(user=person, description="My bar", magnesium_mg_per_100g=100)
    theirs = custom_food_create(
        user=UserFactory(), description="Their bar", magnesium_mg_per_100g=200
    )
    breakfast = day.meals.get(name="Breakfast")
    MealItemFactory(meal=breakfast, food=mine, grams=30)
    template = services.meal_template_create(meal=breakfast, name="Bars", owner=person)
    assert [item.food for item in template.items.all()] == [mine]
    MealTemplateItemFactory(template=template, food=theirs, grams=40)
    lunch = day.meals.get(name="Lunch")

    services.meal_template_insert(template=template, meal=lunch, editor=person)

    laid = MealItem.objects.filter(meal=lunch).order_by("position")
    assert [(item.food.description, item.food.owner) for item in laid] == [
        ("My bar", person),
        ("Their bar", person),
    ]
    assert laid[0].food == mine
    assert laid[1].food.magnesium_mg_per_100g == 200
