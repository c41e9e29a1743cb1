"""Dietitians' day and week templates carry the recipes planned in the meals, not only the
foods: saved live, laid into the matching meals, and copied for a client who cannot see them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import person_on, profile_for
from foods.models import Food
from foods.services import custom_food_create
from plans import services
from plans.models import DayTemplateRecipe, MealItem, MealRecipe, Recipe
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    MealRecipeFactory,
    RecipeFactory,
    RecipeIngredientFactory,
)

pytestmark = pytest.mark.django_db


def _recipe(owner, name, *, shared=True):
    """A recipe its owner shares with the people linked to them (a dietitian may open it,
    so templates carry it); pass shared=False for a private one."""
    recipe = RecipeFactory(owner=owner, name=name, servings=2, shared=shared)
    RecipeIngredientFactory(recipe=recipe, food=FoodFactory(description=f"{name} seeds"), grams=60)
    RecipeIngredientFactory(
        recipe=recipe,
        food=FoodFactory(description=f"{name} greens", phytate_mg_per_100g=0.0),
        grams=150,
    )
    return recipe


@pytest.fixture
def source_day(link, monday):
    """The client's Monday: overnight oats (their own recipe, shared with their dietitian) at
    breakfast, a food and half a shared curry at lunch, a recipe removed from lunch, and a
    deleted snack meal whose recipe must not travel either."""
    client = link.client
    day = services.day_get_or_create(user=client, on=monday, editor=client)
    oats = _recipe(client, "Overnight oats")
    MealRecipeFactory(meal=day.meals.get(name="Breakfast"), recipe=oats, servings=Decimal(1))
    lunch = day.meals.get(name="Lunch")
    MealItemFactory(meal=lunch, food=FoodFactory(description="Spinach"), grams=90)
    MealRecipeFactory(meal=lunch, recipe=_recipe(client, "Lentil curry"), servings=Decimal("0.5"))
    MealRecipeFactory(meal=lunch, recipe=_recipe(client, "Removed stew"), deleted_at=timezone.now())
    snack = services.meal_add(day=day, name="Snack", editor=client)
    MealRecipeFactory(meal=snack, recipe=_recipe(client, "Deleted snack bar"))
    services.meal_delete(meal=snack, editor=client)
    return day


def _recipes(user, on):
    return list(
        MealRecipe.objects.filter(
            meal__day__plan__owner=user,
            meal__day__date=on,
            deleted_at__isnull=True,
            meal__deleted_at__isnull=True,
        )
        .order_by("meal__position", "position")
        .values_list("meal__name", "recipe__name", "servings", "recipe__owner")
    )


def _effective_mg(user, on, person):
    return score_day(day_to_engine(day_get_for(user=user, on=on), person)).effective_mg


def test_a_saved_day_keeps_its_live_recipes_and_its_meals(link, source_day):
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)

    saved = template.recipes.order_by("meal_position", "position").values_list(
        "meal_name", "recipe__name", "servings"
    )
    assert list(saved) == [
        ("Breakfast", "Overnight oats", Decimal(1)),
        ("Lunch", "Lentil curry", Decimal("0.5")),
    ]


def test_the_same_client_gets_the_same_day_score_back(link, source_day):
    """Save, then lay onto another day of the same client: their own recipes are used as they
    are (no copies), and the engine scores the new day as it scored the saved one."""
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    on = source_day.date + timedelta(days=7)

    services.template_assign(
        template=template, client=link.client, start=on, mode="replace", editor=link.dietitian
    )

    person = person_on(profile_for(user=link.client), source_day.date)
    before = _effective_mg(link.client, source_day.date, person)
    assert before > 0
    assert _effective_mg(link.client, on, person) == pytest.approx(before)
    assert [(meal, name, servings) for meal, name, servings, _ in _recipes(link.client, on)] == [
        ("Breakfast", "Overnight oats", Decimal(1)),
        ("Lunch", "Lentil curry", Decimal("0.5")),
    ]
    assert Recipe.objects.filter(owner=link.client).count() == 4  # nothing copied


def test_another_client_gets_their_own_copy_once_and_the_same_score(link, source_day, monday):
    """The week's oats on two days become one copy for the other client, who owns it; the
    client the recipe came from keeps theirs untouched."""
    tuesday = services.day_get_or_create(
        user=link.client, on=monday + timedelta(days=1), editor=link.client
    )
    oats = Recipe.objects.get(owner=link.client, name="Overnight oats")
    MealRecipeFactory(meal=tuesday.meals.get(name="Dinner"), recipe=oats, servings=Decimal(2))
    week = services.week_template_save(
        plan=source_day.plan, week_start=monday, name="Oats week", owner=link.dietitian
    )
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    start = monday + timedelta(days=14)
    assert not Recipe.objects.visible_to(other).filter(pk=oats.pk).exists()

    days = services.template_assign(
        template=week, client=other, start=start, mode="append", editor=link.dietitian
    )

    assert [day.date for day in days] == [start, start + timedelta(days=1)]
    copies = Recipe.objects.filter(owner=other)
    assert sorted(copies.values_list("name", flat=True)) == ["Lentil curry", "Overnight oats"]
    assert {owner for *_, owner in _recipes(other, start)} == {other.pk}
    assert _recipes(other, start + timedelta(days=1)) == [
        ("Dinner", "Overnight oats", Decimal(2), other.pk)
    ]
    oats_copy = copies.get(name="Overnight oats")
    assert sorted(oats_copy.ingredients.values_list("food__description", "grams")) == [
        ("Overnight oats greens", 150.0),
        ("Overnight oats seeds", 60.0),
    ]
    # Scored as the same person, the copied day is the saved day.
    person = person_on(profile_for(user=link.client), monday)
    assert _effective_mg(other, start, person) == pytest.approx(
        _effective_mg(link.client, monday, person)
    )
    assert Recipe.objects.filter(owner=link.client).count() == 4


def test_assigning_again_reuses_the_copy_made_before(link, source_day):
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    first, second = source_day.date + timedelta(days=7), source_day.date + timedelta(days=8)
    for on in (first, second):
        services.template_assign(
            template=template, client=other, start=on, mode="append", editor=link.dietitian
        )

    assert Recipe.objects.filter(owner=other).count() == 2
    assert _recipes(other, first) == _recipes(other, second)


def test_a_recipe_the_client_sees_is_used_not_copied(link, monday):
    """The dietitian's shared recipe reaches their linked clients as it is."""
    dietitian = link.dietitian
    day = services.day_get_or_create(user=dietitian, on=monday, editor=dietitian)
    soup = _recipe(dietitian, "Bean soup", shared=True)
    MealRecipeFactory(meal=day.meals.get(name="Dinner"), recipe=soup, servings=Decimal(1))
    template = services.day_template_save(source=day, name="Soup", owner=dietitian)

    services.template_assign(
        template=template, client=link.client, start=monday, mode="append", editor=dietitian
    )

    assert _recipes(link.client, monday) == [("Dinner", "Bean soup", Decimal(1), dietitian.pk)]
    assert not Recipe.objects.filter(owner=link.client).exists()


def test_a_day_with_only_a_recipe_is_saved_and_laid(link, monday):
    client = link.client
    day = services.day_get_or_create(user=client, on=monday, editor=client)
    MealRecipeFactory(meal=day.meals.get(name="Breakfast"), recipe=_recipe(client, "Oats"))
    week = services.week_template_save(
        plan=day.plan, week_start=monday, name="Only oats", owner=link.dietitian
    )
    start = monday + timedelta(days=7)

    days = services.template_assign(
        template=week, client=client, start=start, mode="append", editor=link.dietitian
    )

    assert [d.date for d in days] == [start]
    assert [name for _, name, _, _ in _recipes(client, start)] == ["Oats"]


def test_append_puts_the_recipes_after_the_meals_own(link, source_day):
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    on = source_day.date + timedelta(days=1)
    target = services.day_get_or_create(user=link.client, on=on, editor=link.client)
    breakfast = target.meals.get(name="Breakfast")
    MealRecipeFactory(meal=breakfast, recipe=_recipe(link.client, "Porridge"), position=4)

    services.template_assign(
        template=template, client=link.client, start=on, mode="append", editor=link.dietitian
    )

    rows = breakfast.recipes.order_by("position").values_list("recipe__name", "position")
    assert list(rows) == [("Porridge", 4), ("Overnight oats", 5)]


def _assign_queries(link, template, start, client):
    with CaptureQueriesContext(connection) as queries:
        services.template_assign(
            template=template, client=client, start=start, mode="append", editor=link.dietitian
        )
    return len(queries)


def _week_of(link, monday, *, recipes_per_day, name):
    """A week of the client with food on all seven days and `recipes_per_day` of their own
    recipes in each day's meals."""
    client = link.client
    recipes = [_recipe(client, f"{name} {n}") for n in range(max(recipes_per_day, 1))]
    for offset in range(7):
        day = services.day_get_or_create(
            user=client, on=monday + timedelta(days=offset), editor=client
        )
        meals = list(day.meals.all())
        MealItemFactory(meal=meals[0], food=FoodFactory(), grams=30)
        for n in range(recipes_per_day):
            MealRecipeFactory(meal=meals[n % len(meals)], recipe=recipes[n])
    return services.week_template_save(
        plan=day.plan, week_start=monday, name=name, owner=link.dietitian
    )


def test_assign_queries_do_not_grow_with_the_recipes_or_the_days_holding_them(link, monday):
    """A week with one recipe a day and one with five in several meals cost the same, and
    what recipes add over a week without any is what they add over one day: one read and
    one insert for them all, not one per day or per recipe."""
    no_recipes = _week_of(link, monday, recipes_per_day=0, name="Plain")
    later = monday + timedelta(days=7)
    one = _week_of(link, later, recipes_per_day=1, name="One")
    five = _week_of(link, later + timedelta(days=7), recipes_per_day=5, name="Five")
    client = link.client
    base = monday + timedelta(days=70)

    plain = _assign_queries(link, no_recipes, base, client)
    with_one = _assign_queries(link, one, base + timedelta(days=7), client)
    with_five = _assign_queries(link, five, base + timedelta(days=14), client)

    assert with_one == with_five
    week_extra = with_one - plain
    assert week_extra <= 3  # which recipes the client sees, their meals' last positions, one insert

    day_plain = services.day_template_save(
        source=day_get_for(user=client, on=monday), name="Plain day", owner=link.dietitian
    )
    day_five = services.day_template_save(
        source=day_get_for(user=client, on=later + timedelta(days=7)),
        name="Five day",
        owner=link.dietitian,
    )
    day_extra = _assign_queries(link, day_five, base + timedelta(days=21), client) - (
        _assign_queries(link, day_plain, base + timedelta(days=22), client)
    )
    assert week_extra == day_extra
    assert MealRecipe.objects.filter(meal__day__date=base + timedelta(days=20)).count() == 5


def test_saving_a_week_of_recipes_costs_the_same_whatever_their_number(link, monday):
    client = link.client
    for offset, count in ((0, 1), (7, 6)):
        day = services.day_get_or_create(
            user=client, on=monday + timedelta(days=offset), editor=client
        )
        for n in range(count):
            MealRecipeFactory(meal=day.meals.first(), recipe=_recipe(client, f"R{offset}-{n}"))
    plan = day.plan
    counts = []
    for offset in (0, 7):
        with CaptureQueriesContext(connection) as queries:
            services.week_template_save(
                plan=plan,
                week_start=monday + timedelta(days=offset),
                name=f"Week {offset}",
                owner=link.dietitian,
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert DayTemplateRecipe.objects.filter(template__week__name="Week 7").count() == 6


def test_a_week_running_out_of_the_plan_copies_no_recipe(link, source_day, monday):
    week = services.week_template_save(
        plan=source_day.plan, week_start=monday, name="Week", owner=link.dietitian
    )
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    start = timezone.localdate() + timedelta(days=728)  # runs past two years ahead

    with pytest.raises(ValidationError) as error:
        services.template_assign(
            template=week, client=other, start=start, mode="append", editor=link.dietitian
        )

    assert "start" in error.value.message_dict
    assert not Recipe.objects.filter(owner=other).exists()
    assert not MealRecipe.objects.filter(meal__day__plan__owner=other).exists()


def test_bad_assign_input_is_422_and_nothing_is_laid(client, link, source_day):
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    client.force_login(link.dietitian)
    url = reverse("reports:template_assign", args=[other.pk])
    good = {"template": f"day-{template.pk}", "start": source_day.date.isoformat()}

    too_far = timezone.localdate() + timedelta(days=800)
    for data, message in (
        ({**good, "mode": "sideways"}, "Select a valid choice"),
        ({**good, "start": "not a date", "mode": "append"}, "Enter a valid date"),
        ({**good, "start": too_far.isoformat(), "mode": "append"}, f"{too_far:%a %-d %b %Y}:"),
        ({**good, "template": "day-999999", "mode": "append"}, "Select a valid choice"),
    ):
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data

    assert not MealRecipe.objects.filter(meal__day__plan__owner=other).exists()
    assert not Recipe.objects.filter(owner=other).exists()
    response = client.post(url, {**good, "mode": "append"})
    assert response.status_code == 302
    assert [name for _, name, _, _ in _recipes(other, source_day.date)] == [
        "Overnight oats",
        "Lentil curry",
    ]


def test_the_templates_page_lists_the_recipes_with_their_servings(client, link, source_day):
    services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    services.week_template_save(
        plan=source_day.plan, week_start=source_day.date, name="Oats week", owner=link.dietitian
    )
    client.force_login(link.dietitian)

    page = client.get(reverse("reports:templates")).content.decode()

    assert "Breakfast: Overnight oats (1 serving)" in page
    assert "Lunch: Lentil curry (0.5 servings)" in page
    assert "Day 1, Breakfast: Overnight oats (1 serving)" in page
    assert "Removed stew" not in page
    assert "Deleted snack bar" not in page


def test_a_deleted_recipe_leaves_the_template(link, source_day):
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    removed = Recipe.objects.get(name="Removed stew")
    MealRecipe.objects.filter(recipe=removed).delete()
    removed.delete()
    curry = Recipe.objects.get(name="Lentil curry")
    MealRecipe.objects.filter(recipe=curry).delete()
    curry.delete()

    assert list(template.recipes.values_list("recipe__name", flat=True)) == ["Overnight oats"]


def test_a_client_leaving_hands_the_dietitian_a_copy_for_their_templates(link, source_day):
    """The template named the client's recipe: when the client deletes their account the
    dietitian's template keeps the dish, through a copy of their own."""
    from accounts.data_rights import account_delete
    from tests.factories import TEST_PASSWORD

    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)

    account_delete(user=link.client, password=TEST_PASSWORD)

    rows = template.recipes.order_by("meal_position").values_list("recipe__name", "recipe__owner")
    assert list(rows) == [
        ("Overnight oats", link.dietitian.pk),
        ("Lentil curry", link.dietitian.pk),
    ]


def test_a_clients_private_recipe_never_goes_into_a_template(link, source_day):
    secret = _recipe(link.client, "Grandma's secret porridge", shared=False)
    MealRecipeFactory(meal=source_day.meals.get(name="Dinner"), recipe=secret)
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    assert not template.recipes.filter(recipe=secret).exists()
    assert template.recipes.count() == 2


def test_a_recipe_unshared_after_saving_is_left_out_for_another_client(link, source_day, monday):
    template = services.day_template_save(source=source_day, name="Oats day", owner=link.dietitian)
    Recipe.objects.filter(name="Overnight oats").update(shared=False)
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    services.template_assign(
        template=template, client=other, start=monday, mode="append", editor=link.dietitian
    )
    names = [recipe_name for _, recipe_name, _, _ in _recipes(other, monday)]
    assert names == ["Lentil curry"]
    assert not Recipe.objects.filter(owner=other, name="Overnight oats").exists()


def test_a_recipe_with_the_clients_custom_food_is_copied_once_with_one_food(link, monday):
    """The client's shared recipe uses their custom food, which the same day also holds as
    a food: another client gets one copy of the food, used by the item and by their one
    copy of the recipe, however often the template is assigned."""
    client = link.client
    bar = custom_food_create(user=client, description="Nut bar", magnesium_mg_per_100g=300)
    recipe = _recipe(client, "Bar crumble")
    RecipeIngredientFactory(recipe=recipe, food=bar, grams=40)
    day = services.day_get_or_create(user=client, on=monday, editor=client)
    MealRecipeFactory(meal=day.meals.get(name="Breakfast"), recipe=recipe)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=bar, grams=30)
    template = services.day_template_save(source=day, name="Bars", owner=link.dietitian)
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    days = [monday + timedelta(days=7), monday + timedelta(days=8)]

    for on in days:
        services.template_assign(
            template=template, client=other, start=on, mode="append", editor=link.dietitian
        )

    food = Food.objects.get(owner=other)
    copy = Recipe.objects.get(owner=other)
    assert copy.ingredients.get(food__description="Nut bar").food == food
    for on in days:
        assert _recipes(other, on) == [("Breakfast", "Bar crumble", Decimal(1), other.pk)]
        item = MealItem.objects.get(meal__day__plan__owner=other, meal__day__date=on)
        assert (item.meal.name, item.food) == ("Lunch", food)
