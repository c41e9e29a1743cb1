"""Recipes travel with copies of days and meals and with meal templates; the week counts them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DietitianLink
from accounts.selectors import person_on
from foods.models import Food
from foods.services import custom_food_create
from plans import recipe_services, services
from plans.models import MealRecipe, MealTemplateRecipe, Recipe
from plans.recipe_services import meal_recipe_add, meal_recipe_delete, recipe_delete
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine, week_summary
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    RecipeFactory,
    RecipeIngredientFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chili(person):
    recipe = RecipeFactory(owner=person, name="Black bean chili", servings=4)
    RecipeIngredientFactory(
        recipe=recipe, food=FoodFactory(description="Black beans", magnesium_mg_per_100g=70)
    )
    return recipe


@pytest.fixture
def source(person, monday, chili):
    """Monday lunch: a food, 1.5 servings of chili and a removed recipe that must not travel."""
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    lunch = day.meals.get(name="Lunch")
    MealItemFactory(meal=lunch, food=FoodFactory(description="Rice"), grams=150)
    meal_recipe_add(meal=lunch, recipe=chili, editor=person, servings=Decimal("1.5"))
    gone = meal_recipe_add(
        meal=lunch,
        recipe=RecipeFactory(owner=person),
        editor=person,
        grams=None,
        servings=Decimal(1),
    )
    meal_recipe_delete(used=gone, editor=person)
    return day


def live_recipes(day, meal_name):
    return list(
        MealRecipe.objects.filter(
            meal__day=day, meal__name=meal_name, deleted_at__isnull=True
        ).values_list("recipe__name", "servings")
    )


def test_copying_a_day_adds_its_live_recipes(person, source, monday, chili):
    [tuesday] = services.day_copy(
        source=source, dates=[monday + timedelta(days=1)], mode="append", editor=person
    )
    assert live_recipes(tuesday, "Lunch") == [("Black bean chili", Decimal("1.500"))]
    # Appending again adds a second use after the first, as for foods.
    services.day_copy(source=source, dates=[tuesday.date], mode="append", editor=person)
    uses = MealRecipe.objects.filter(meal__day=tuesday).order_by("position")
    assert [use.position for use in uses] == [0, 1]


def test_copying_a_day_in_replace_mode_drops_the_targets_recipes(person, source, monday):
    tuesday = services.day_get_or_create(user=person, on=monday + timedelta(days=1), editor=person)
    other = RecipeFactory(owner=person, name="Hummus")
    meal_recipe_add(
        meal=tuesday.meals.get(name="Dinner"), recipe=other, editor=person, servings=Decimal(2)
    )
    services.day_copy(source=source, dates=[tuesday.date], mode="replace", editor=person)
    assert not MealRecipe.objects.filter(meal__day=tuesday, recipe=other).exists()
    assert live_recipes(tuesday, "Lunch") == [("Black bean chili", Decimal("1.500"))]


def test_copying_a_meal_carries_its_recipes(person, source, monday):
    lunch = source.meals.get(name="Lunch")
    into = services.meal_copy(meal=lunch, on=monday, meal_name="Dinner", editor=person)
    assert live_recipes(into.day, "Dinner") == [("Black bean chili", Decimal("1.500"))]
    assert into.items.count() == 1


def test_a_meal_with_only_a_recipe_can_be_copied(person, monday, chili):
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    breakfast = day.meals.get(name="Breakfast")
    meal_recipe_add(meal=breakfast, recipe=chili, editor=person, grams=200.0)
    into = services.meal_copy(meal=breakfast, on=monday, meal_name="Supper", editor=person)
    copied = MealRecipe.objects.get(meal=into)
    # Entered as grams of the dish: the copy shows the same grams and servings.
    original = MealRecipe.objects.get(meal=breakfast)
    assert (copied.grams, copied.servings) == (200.0, original.servings)


def test_a_meal_template_saves_and_inserts_recipes(person, source, monday):
    lunch = source.meals.get(name="Lunch")
    template = services.meal_template_create(meal=lunch, name="Chili lunch", owner=person)
    assert list(template.recipes.values_list("recipe__name", "servings")) == [
        ("Black bean chili", Decimal("1.500"))
    ]
    friday = services.day_get_or_create(user=person, on=monday + timedelta(days=4), editor=person)
    services.meal_template_insert(
        template=template, meal=friday.meals.get(name="Dinner"), editor=person
    )
    assert live_recipes(friday, "Dinner") == [("Black bean chili", Decimal("1.500"))]


def test_a_template_of_only_a_recipe_is_allowed_and_listed(client, person, monday, chili):
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    dinner = day.meals.get(name="Dinner")
    meal_recipe_add(meal=dinner, recipe=chili, editor=person, servings=Decimal(2))
    services.meal_template_create(meal=dinner, name="Chili night", owner=person)
    page = client.get(reverse("plans:templates")).content.decode()
    assert "Black bean chili (2 servings)" in page


def test_a_template_skips_a_recipe_no_longer_shared_with_the_person(person, monday):
    link = DietitianLinkFactory(client=person)
    shared = RecipeFactory(owner=link.dietitian, name="Dietitian's dal", shared=True)
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    breakfast = day.meals.get(name="Breakfast")
    MealItemFactory(meal=breakfast)
    meal_recipe_add(meal=breakfast, recipe=shared, editor=person, servings=Decimal(1))
    template = services.meal_template_create(meal=breakfast, name="Dal", owner=person)
    shared.shared = False
    shared.save()
    dinner = day.meals.get(name="Dinner")
    services.meal_template_insert(template=template, meal=dinner, editor=person)
    assert not MealRecipe.objects.filter(meal=dinner).exists()
    assert dinner.items.count() == 1


def test_deleting_a_recipe_takes_it_out_of_templates(person, monday, chili):
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    dinner = day.meals.get(name="Dinner")
    MealItemFactory(meal=dinner)
    used = meal_recipe_add(meal=dinner, recipe=chili, editor=person, servings=Decimal(1))
    template = services.meal_template_create(meal=dinner, name="Chili", owner=person)
    used.delete()
    recipe_delete(recipe=chili)
    assert not MealTemplateRecipe.objects.filter(template=template).exists()
    assert template.items.count() == 1


def test_the_week_counts_a_day_with_only_a_recipe_as_planned(person, monday, chili):
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    meal_recipe_add(
        meal=day.meals.get(name="Lunch"), recipe=chili, editor=person, servings=Decimal(1)
    )
    summary = week_summary(user=person, week_start=monday)
    assert summary.days[0].item_count == 1
    assert summary.days[0].effective_mg is not None
    assert summary.planned_days == 1


# ---------------------------------------------------------------- duplicating shared recipes


def test_duplicating_a_shared_recipe_copies_the_sharers_custom_foods(client, person):
    granola = custom_food_create(
        user=person,
        description="Ana's granola",
        magnesium_mg_per_100g=150,
        phytate_mg_per_100g=400,
        portion_unit="bowl",
        portion_grams=60,
    )
    recipe = recipe_services.recipe_create(owner=person, name="Granola bowl", servings=1)
    bowl = granola.portions.get()
    recipe_services.recipe_ingredient_add(
        recipe=recipe, food=granola, portion=bowl, portion_quantity=Decimal(2), preparation="soaked"
    )
    recipe_services.recipe_ingredient_add(recipe=recipe, food=FoodFactory(), grams=20)
    recipe.shared = True
    recipe.save()
    link = DietitianLinkFactory(client=person)
    client.force_login(link.dietitian)

    response = client.post(reverse("recipes:duplicate", args=[recipe.pk]), follow=True)

    copy = Recipe.objects.get(owner=link.dietitian)
    line = copy.ingredients.get(position=0)
    assert line.food.owner == link.dietitian
    assert line.food.pk != granola.pk
    assert (line.food.description, line.food.magnesium_mg_per_100g) == ("Ana's granola", 150)
    assert (line.portion.food_id, line.portion.unit, line.grams) == (line.food.pk, "bowl", 120)
    assert line.preparation == "soaked"
    # The database food is shared by everyone: not copied.
    assert copy.ingredients.get(position=1).food.owner is None
    html = response.content.decode()
    assert "custom foods in it are now yours too: Ana&#39;s granola." in html
    # The copy is the dietitian's to edit and score, and the sharer's food is untouched.
    assert client.get(reverse("recipes:detail", args=[copy.pk])).status_code == 200
    assert (
        "serving-effective"
        in client.get(reverse("recipes:detail", args=[copy.pk])).content.decode()
    )
    assert Food.objects.filter(owner=person).count() == 1


def test_duplicating_ones_own_recipe_keeps_ones_own_custom_foods(person):
    own = custom_food_create(user=person, description="My bread", magnesium_mg_per_100g=80)
    recipe = recipe_services.recipe_create(owner=person, name="Toast", servings=1)
    recipe_services.recipe_ingredient_add(recipe=recipe, food=own, grams=50)
    copy = recipe_services.recipe_duplicate(recipe=recipe, owner=person)
    assert copy.name == "Toast (copy)"
    assert copy.ingredients.get().food_id == own.pk
    assert Food.objects.filter(owner=person).count() == 1


# ---------------------------------------------------------------- un-sharing a recipe others eat


@pytest.fixture
def shared_dal(person):
    """A dietitian's shared dal, with one of their custom foods; `person` is their client."""
    dietitian = DietitianLinkFactory(client=person).dietitian
    spice = custom_food_create(
        user=dietitian, description="Dietitian's spice mix", magnesium_mg_per_100g=300
    )
    dal = recipe_services.recipe_create(
        owner=dietitian, name="Red lentil dal", servings=4, shared=True
    )
    lentils = FoodFactory(description="Red lentils", magnesium_mg_per_100g=100)
    recipe_services.recipe_ingredient_add(recipe=dal, food=lentils, grams=400)
    recipe_services.recipe_ingredient_add(recipe=dal, food=spice, grams=10)
    return dal


def _unshare(recipe):
    return recipe_services.recipe_update(
        recipe=recipe,
        name=recipe.name,
        servings=recipe.servings,
        cooked_weight_grams=recipe.cooked_weight_grams,
        steps=recipe.steps,
        shared=False,
    )


def _effective_mg(person, on):
    engine_day = day_to_engine(day_get_for(user=person, on=on), person_on(person.profile, on))
    return score_day(engine_day).effective_mg


def test_unsharing_gives_the_people_who_eat_it_their_own_copy(client, person, monday, shared_dal):
    dietitian = shared_dal.owner
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    lunch = day.meals.get(name="Lunch")
    eaten = meal_recipe_add(
        meal=lunch, recipe=shared_dal, editor=dietitian, servings=Decimal("1.5")
    )
    removed = meal_recipe_add(
        meal=day.meals.get(name="Dinner"), recipe=shared_dal, editor=person, servings=Decimal(1)
    )
    meal_recipe_delete(used=removed, editor=person)
    template = services.meal_template_create(meal=lunch, name="Dal lunch", owner=person)
    own_day = services.day_get_or_create(user=dietitian, on=monday, editor=dietitian)
    own = meal_recipe_add(
        meal=own_day.meals.get(name="Lunch"),
        recipe=shared_dal,
        editor=dietitian,
        servings=Decimal(1),
    )
    before = _effective_mg(person, monday)
    dietitian_http = Client()
    dietitian_http.force_login(dietitian)

    response = dietitian_http.post(
        reverse("recipes:edit", args=[shared_dal.pk]),
        {"recipe-name": "Red lentil dal", "recipe-servings": "4", "recipe-steps": ""},
    )

    assert response.status_code == 302
    copy = Recipe.objects.get(owner=person)
    assert (copy.name, copy.servings, copy.shared) == ("Red lentil dal", 4, False)
    for row in (eaten, removed):  # the removed one too, so its Undo brings back what was eaten
        row.refresh_from_db()
        assert row.recipe_id == copy.pk
    assert (eaten.servings, removed.servings) == (Decimal("1.5"), Decimal(1))
    assert template.recipes.get().recipe_id == copy.pk
    own.refresh_from_db()
    assert own.recipe_id == shared_dal.pk
    # The dietitian's custom food in it is the person's own now, as when duplicating.
    spice = copy.ingredients.get(food__description="Dietitian's spice mix").food
    assert spice.owner == person
    # The person opens what their day shows, and their day scores as before.
    assert client.get(reverse("recipes:detail", args=[copy.pk])).status_code == 200
    page = client.get(reverse("plans:day", args=[monday.isoformat()])).content.decode()
    assert reverse("recipes:detail", args=[copy.pk]) in page
    assert reverse("recipes:detail", args=[shared_dal.pk]) not in page
    assert _effective_mg(person, monday) == pytest.approx(before)
    # The owner's later edits no longer change the person's day.
    rich = FoodFactory(description="Pumpkin seeds", magnesium_mg_per_100g=550)
    recipe_services.recipe_ingredient_add(recipe=shared_dal, food=rich, grams=200)
    assert _effective_mg(person, monday) == pytest.approx(before)


def test_unsharing_reuses_an_identical_copy_the_person_already_has(person, monday, shared_dal):
    mine = recipe_services.recipe_duplicate(recipe=shared_dal, owner=person)
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    used = meal_recipe_add(
        meal=day.meals.get(name="Lunch"), recipe=shared_dal, editor=person, servings=Decimal(1)
    )
    _unshare(shared_dal)
    used.refresh_from_db()
    assert used.recipe_id == mine.pk
    assert Recipe.objects.filter(owner=person).count() == 1
    assert Food.objects.filter(owner=person).count() == 1


def test_unsharing_hands_a_dietitians_day_template_their_own_copy(
    person, monday, django_capture_on_commit_callbacks
):
    dietitian = DietitianLinkFactory(client=person).dietitian
    oats = recipe_services.recipe_create(
        owner=person, name="Overnight oats", servings=2, shared=True
    )
    recipe_services.recipe_ingredient_add(recipe=oats, food=FoodFactory(), grams=120)
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    used = meal_recipe_add(
        meal=day.meals.get(name="Breakfast"), recipe=oats, editor=person, servings=Decimal(1)
    )
    template = services.day_template_save(source=day, name="Oats day", owner=dietitian)
    stamp = dietitian.data_stamp

    with django_capture_on_commit_callbacks(execute=True):
        _unshare(oats)

    saved = template.recipes.get()
    assert (saved.recipe.owner, saved.recipe.name) == (dietitian, "Overnight oats")
    # The person un-sharing is not a dietitian: the dietitian's cached pages are refreshed
    # by the service, not by the request's middleware.
    dietitian.refresh_from_db()
    assert dietitian.data_stamp != stamp
    used.refresh_from_db()
    assert used.recipe_id == oats.pk  # the owner's own day keeps the recipe itself


def test_unsharing_copies_nothing_for_someone_no_longer_linked(person, monday, shared_dal):
    """They could not open it before either: un-sharing hands over no newer version."""
    day = services.day_get_or_create(user=person, on=monday, editor=person)
    used = meal_recipe_add(
        meal=day.meals.get(name="Lunch"), recipe=shared_dal, editor=person, servings=Decimal(1)
    )
    DietitianLink.objects.filter(client=person).update(revoked_at=timezone.now())
    _unshare(shared_dal)
    used.refresh_from_db()
    assert used.recipe_id == shared_dal.pk
    assert not Recipe.objects.filter(owner=person).exists()


def test_an_edit_to_a_shared_recipe_refreshes_the_cached_pages_of_those_who_eat_it(
    person, monday, django_capture_on_commit_callbacks
):
    # The person shares a recipe; their dietitian eats it on one of the dietitian's own days.
    dietitian = DietitianLinkFactory(client=person).dietitian
    oats = recipe_services.recipe_create(owner=person, name="Oats", servings=2, shared=True)
    recipe_services.recipe_ingredient_add(recipe=oats, food=FoodFactory(), grams=120)
    day = services.day_get_or_create(user=dietitian, on=monday, editor=dietitian)
    meal_recipe_add(
        meal=day.meals.get(name="Breakfast"), recipe=oats, editor=dietitian, servings=Decimal(1)
    )
    for edit in (
        lambda: recipe_services.recipe_ingredient_add(recipe=oats, food=FoodFactory(), grams=30),
        lambda: recipe_services.recipe_update(
            recipe=oats, name="Oats", servings=3, cooked_weight_grams=None, steps="", shared=True
        ),
    ):
        dietitian.refresh_from_db()
        stamp = dietitian.data_stamp
        with django_capture_on_commit_callbacks(execute=True):
            edit()
        dietitian.refresh_from_db()
        assert dietitian.data_stamp != stamp  # their day page shows the new score
