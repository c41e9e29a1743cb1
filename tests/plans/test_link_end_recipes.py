"""Ending a dietitian link cuts the recipe ties between the two plans: each one's meals and
templates get their own copies of the other's shared recipes (`link_revoke` →
`recipe_services.recipes_handed_over_at_link_end`), so the owner's later edits reach no one
who can no longer open the recipe."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.link_services import link_revoke
from accounts.models import DietitianLink, User
from accounts.selectors import person_on
from foods.models import Food
from foods.services import custom_food_create
from plans import recipe_services, services
from plans.models import Day, MealRecipe, Recipe
from plans.recipe_services import meal_recipe_add, meal_recipe_delete, meal_recipe_restore
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import TEST_PASSWORD, DietitianLinkFactory, FoodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(person: User) -> DietitianLink:
    """Dr Demo and his client Cara (`person`, logged in on `client`)."""
    return DietitianLinkFactory(client=person)


def _shared_recipe(owner: User, name: str, custom: str) -> Recipe:
    """A shared recipe of a database food and one of `owner`'s custom foods."""
    recipe = recipe_services.recipe_create(owner=owner, name=name, servings=2, shared=True)
    oats = FoodFactory(description=f"Oats for {name}", magnesium_mg_per_100g=140)
    recipe_services.recipe_ingredient_add(recipe=recipe, food=oats, grams=100)
    mix = custom_food_create(user=owner, description=custom, magnesium_mg_per_100g=300)
    recipe_services.recipe_ingredient_add(recipe=recipe, food=mix, grams=20)
    return recipe


@pytest.fixture
def smoothie(link: DietitianLink) -> Recipe:
    return _shared_recipe(link.dietitian, "Green smoothie", "Dr Demo's seed mix")


def _day(owner: User, on) -> Day:
    return services.day_get_or_create(user=owner, on=on, editor=owner)


def _effective_mg(person: User, on) -> float:
    engine_day = day_to_engine(day_get_for(user=person, on=on), person_on(person.profile, on))
    return score_day(engine_day).effective_mg


def _lines(recipe: Recipe) -> list[tuple[object, ...]]:
    """What a recipe is made of, whoever owns its foods."""
    return [
        (line.food.description, line.food.magnesium_mg_per_100g, line.grams, line.preparation)
        for line in recipe.ingredients.select_related("food").order_by("position", "id")
    ]


def _add_spinach(recipe: Recipe) -> None:
    spinach = FoodFactory(description="Spinach, raw", magnesium_mg_per_100g=79)
    recipe_services.recipe_ingredient_add(recipe=recipe, food=spinach, grams=500)


def _unshare(recipe: Recipe) -> None:
    recipe_services.recipe_update(
        recipe=recipe,
        name=recipe.name,
        servings=recipe.servings,
        cooked_weight_grams=recipe.cooked_weight_grams,
        steps=recipe.steps,
        shared=False,
    )


@pytest.mark.parametrize("how", ["planned by him", "from his day template"])
def test_when_the_client_ends_the_link_her_day_keeps_her_own_copy(
    client: Client, person: User, link: DietitianLink, smoothie: Recipe, monday, how: str
) -> None:
    """QA's case: Cara ends the link; Dr Demo's later edits no longer change her day."""
    dietitian = link.dietitian
    if how == "planned by him":
        breakfast = _day(person, monday).meals.get(name="Breakfast")
        meal_recipe_add(meal=breakfast, recipe=smoothie, editor=dietitian, servings=Decimal(1))
    else:
        his_day = _day(dietitian, monday)
        meal_recipe_add(
            meal=his_day.meals.get(name="Breakfast"),
            recipe=smoothie,
            editor=dietitian,
            servings=Decimal(1),
        )
        template = services.day_template_save(source=his_day, name="Smoothie", owner=dietitian)
        services.template_assign(
            template=template, client=person, start=monday, mode="append", editor=dietitian
        )
    [used] = MealRecipe.objects.filter(meal__day__plan__owner=person)
    assert used.recipe_id == smoothie.pk  # live while they are linked
    before = _effective_mg(person, monday)
    lines = _lines(smoothie)

    response = client.post(reverse("accounts:dietitian_revoke", args=[link.pk]))

    assert response.status_code == 302
    used.refresh_from_db()
    copy = used.recipe
    assert (copy.owner, copy.name, copy.servings, copy.shared) == (
        person,
        "Green smoothie",
        2,
        False,
    )
    assert _lines(copy) == lines
    # His custom food in it is hers now, as when she duplicates a shared recipe.
    assert copy.ingredients.get(food__description="Dr Demo's seed mix").food.owner == person
    assert client.get(reverse("recipes:detail", args=[copy.pk])).status_code == 200
    assert client.get(reverse("recipes:detail", args=[smoothie.pk])).status_code == 404
    page = client.get(reverse("plans:day", args=[monday.isoformat()])).content.decode()
    assert reverse("recipes:detail", args=[copy.pk]) in page
    assert _effective_mg(person, monday) == pytest.approx(before)
    # His edits, shared or after un-sharing, stay his.
    _add_spinach(smoothie)
    assert _effective_mg(person, monday) == pytest.approx(before)
    _unshare(smoothie)
    _add_spinach(smoothie)
    assert _effective_mg(person, monday) == pytest.approx(before)


def test_her_meal_template_and_her_meals_share_one_copy(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    breakfast = _day(person, monday).meals.get(name="Breakfast")
    used = meal_recipe_add(
        meal=breakfast, recipe=smoothie, editor=person, servings=Decimal("1.5"), grams=None
    )
    template = services.meal_template_create(meal=breakfast, name="Smoothie", owner=person)

    link_revoke(link=link, by=link.dietitian)

    used.refresh_from_db()
    saved = template.recipes.get()
    assert saved.recipe_id == used.recipe_id != smoothie.pk
    assert (saved.recipe.owner, saved.servings) == (person, Decimal("1.5"))
    assert Recipe.objects.filter(owner=person).count() == 1
    # Inserting the template later brings the dish, not nothing.
    lunch = breakfast.day.meals.get(name="Lunch")
    services.meal_template_insert(template=template, meal=lunch, editor=person)
    assert lunch.recipes.get().recipe_id == used.recipe_id


def test_removed_uses_get_the_copy_so_undo_brings_back_what_was_eaten(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    day = _day(person, monday)
    breakfast, lunch = day.meals.get(name="Breakfast"), day.meals.get(name="Lunch")
    removed = meal_recipe_add(meal=breakfast, recipe=smoothie, editor=person, servings=Decimal(1))
    in_deleted_meal = meal_recipe_add(
        meal=lunch, recipe=smoothie, editor=person, servings=Decimal(1)
    )
    eaten_mg = _effective_mg(person, monday)
    meal_recipe_delete(used=removed, editor=person)
    services.meal_delete(meal=lunch, editor=person)

    link_revoke(link=link, by=person)

    copy = Recipe.objects.get(owner=person)
    for row in (removed, in_deleted_meal):
        row.refresh_from_db()
        assert row.recipe_id == copy.pk
    meal_recipe_restore(used=removed, editor=person)
    services.meal_restore(meal=lunch, editor=person)
    _add_spinach(smoothie)
    assert MealRecipe.objects.live().filter(meal__day=day, recipe=copy).count() == 2
    assert _effective_mg(person, monday) == pytest.approx(eaten_mg)
    assert not MealRecipe.objects.filter(recipe=smoothie).exists()


def test_the_dietitians_plan_and_templates_get_copies_of_the_clients_recipes(
    client: Client, person: User, link: DietitianLink, monday
) -> None:
    dietitian = link.dietitian
    oats = _shared_recipe(person, "Overnight oats", "Cara's seed mix")
    own = meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=oats,
        editor=person,
        servings=Decimal(1),
    )
    his = meal_recipe_add(
        meal=_day(dietitian, monday).meals.get(name="Breakfast"),
        recipe=oats,
        editor=dietitian,
        servings=Decimal(1),
    )
    day_template = services.day_template_save(source=own.meal.day, name="Oats day", owner=dietitian)
    week = services.week_template_save(
        plan=person.plan, week_start=monday, name="Oats week", owner=dietitian
    )
    before = _effective_mg(dietitian, monday)
    lines = _lines(oats)

    link_revoke(link=link, by=person)

    copy = Recipe.objects.get(owner=dietitian)
    assert (copy.name, _lines(copy)) == ("Overnight oats", lines)
    assert copy.ingredients.get(food__description="Cara's seed mix").food.owner == dietitian
    his.refresh_from_db()
    assert his.recipe_id == copy.pk
    assert day_template.recipes.get().recipe_id == copy.pk
    assert week.days.get(offset=0).recipes.get().recipe_id == copy.pk
    own.refresh_from_db()
    assert own.recipe_id == oats.pk  # her own day keeps the recipe itself
    _add_spinach(oats)
    assert _effective_mg(dietitian, monday) == pytest.approx(before)


def test_another_links_recipes_stay_live(person: User, link: DietitianLink, smoothie, monday):
    other = DietitianLinkFactory(client=person)
    soup = _shared_recipe(other.dietitian, "Lentil soup", "Dr Two's stock")
    day = _day(person, monday)
    meal_recipe_add(
        meal=day.meals.get(name="Breakfast"), recipe=smoothie, editor=person, servings=Decimal(1)
    )
    lunch = meal_recipe_add(
        meal=day.meals.get(name="Lunch"), recipe=soup, editor=person, servings=Decimal(1)
    )

    link_revoke(link=link, by=person)

    lunch.refresh_from_db()
    assert lunch.recipe_id == soup.pk
    assert list(Recipe.objects.filter(owner=person).values_list("name", flat=True)) == [
        "Green smoothie"
    ]
    assert not Food.objects.filter(owner=person, description="Dr Two's stock").exists()
    # Dr Two's edits still reach her day: that link goes on.
    before = _effective_mg(person, monday)
    _add_spinach(soup)
    assert _effective_mg(person, monday) > before


def test_a_recipe_still_open_to_her_through_another_link_stays_itself(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    """Both are dietitians, each the other's: ending one link leaves the other's sharing."""
    User.objects.filter(pk=person.pk).update(is_dietitian=True)
    DietitianLinkFactory(dietitian=person, client=link.dietitian)
    used = meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=smoothie,
        editor=person,
        servings=Decimal(1),
    )

    link_revoke(link=link, by=person)

    used.refresh_from_db()
    assert used.recipe_id == smoothie.pk
    assert not Recipe.objects.filter(owner=person).exists()


def test_an_identical_recipe_she_already_has_is_reused(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    mine = recipe_services.recipe_duplicate(recipe=smoothie, owner=person)
    used = meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=smoothie,
        editor=person,
        servings=Decimal(1),
    )

    link_revoke(link=link, by=person)

    used.refresh_from_db()
    assert used.recipe_id == mine.pk
    assert Recipe.objects.filter(owner=person).count() == 1
    assert Food.objects.filter(owner=person).count() == 1


def test_a_private_recipe_of_his_is_never_copied_to_her(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    """Only what she could open while linked: a recipe he un-shared while she was not linked
    (so she got no copy then) stays his alone."""
    used = meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=smoothie,
        editor=person,
        servings=Decimal(1),
    )
    Recipe.objects.filter(pk=smoothie.pk).update(shared=False)

    link_revoke(link=link, by=person)

    used.refresh_from_db()
    assert used.recipe_id == smoothie.pk
    assert not Recipe.objects.filter(owner=person).exists()


def test_both_peoples_cached_pages_are_refreshed(
    person: User, link: DietitianLink, smoothie: Recipe, monday, django_capture_on_commit_callbacks
) -> None:
    dietitian = link.dietitian
    meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=smoothie,
        editor=dietitian,
        servings=Decimal(1),
    )
    oats = _shared_recipe(person, "Overnight oats", "Cara's seed mix")
    meal_recipe_add(
        meal=_day(dietitian, monday).meals.get(name="Breakfast"),
        recipe=oats,
        editor=dietitian,
        servings=Decimal(1),
    )
    stamps = dict(
        User.objects.filter(pk__in=[person.pk, dietitian.pk]).values_list("pk", "data_stamp")
    )

    with django_capture_on_commit_callbacks(execute=True):
        link_revoke(link=link, by=person)

    after = dict(User.objects.filter(pk__in=stamps).values_list("pk", "data_stamp"))
    assert after[person.pk] != stamps[person.pk]
    assert after[dietitian.pk] != stamps[dietitian.pk]


def test_ending_an_ended_link_again_copies_nothing(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=smoothie,
        editor=person,
        servings=Decimal(1),
    )
    link_revoke(link=link, by=person)
    link_revoke(link=link, by=link.dietitian)
    assert Recipe.objects.filter(owner=person).count() == 1


def test_a_client_deleting_her_account_refreshes_the_dietitians_cached_day(
    client: Client, person: User, link: DietitianLink, monday, django_capture_on_commit_callbacks
) -> None:
    """Account deletion hands over her recipes too (accounts/data_rights.py); the day page he
    had cached linked her recipe, which is gone: it must show his copy, not a 404 link."""
    dietitian = link.dietitian
    oats = _shared_recipe(person, "Overnight oats", "Cara's seed mix")
    meal_recipe_add(
        meal=_day(dietitian, monday).meals.get(name="Breakfast"),
        recipe=oats,
        editor=dietitian,
        servings=Decimal(1),
    )
    his_http = Client()
    his_http.force_login(dietitian)
    url = reverse("plans:day", args=[monday.isoformat()])
    assert reverse("recipes:detail", args=[oats.pk]) in his_http.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:delete"), {"password": TEST_PASSWORD, "confirm": "DELETE"}
        )

    assert response.status_code == 302
    copy = Recipe.objects.get(owner=dietitian)
    page = his_http.get(url).content.decode()
    assert reverse("recipes:detail", args=[copy.pk]) in page
    assert reverse("recipes:detail", args=[oats.pk]) not in page


def test_the_repair_command_hands_over_the_recipes_of_links_ended_before(
    person: User, link: DietitianLink, smoothie: Recipe, monday
) -> None:
    """A link ended before ending one handed recipes over (its revoked_at set directly, as
    then): `manage.py repair_link_recipe_uses` does it; a second run changes nothing, and a
    pair linked again is left alone."""
    import io

    from django.core.management import call_command
    from django.utils import timezone

    used = meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Breakfast"),
        recipe=smoothie,
        editor=person,
        servings=Decimal(1),
    )
    DietitianLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    again = DietitianLinkFactory(client=person)  # another dietitian, still linked
    theirs = _shared_recipe(again.dietitian, "Lentil soup", "Dr Two's spice")
    kept = meal_recipe_add(
        meal=_day(person, monday).meals.get(name="Lunch"),
        recipe=theirs,
        editor=person,
        servings=Decimal(1),
    )

    out = io.StringIO()
    call_command("repair_link_recipe_uses", stdout=out)
    assert "Handed recipes over to 1 person." in out.getvalue()
    used.refresh_from_db()
    assert used.recipe.owner_id == person.pk
    assert _lines(used.recipe) == _lines(smoothie)
    kept.refresh_from_db()
    assert kept.recipe_id == theirs.pk  # a live link's recipe stays live
    call_command("repair_link_recipe_uses", stdout=out)
    assert "Handed recipes over to 0 people." in out.getvalue()


def test_a_hand_over_refused_by_validation_does_not_keep_the_link_alive(
    person: User, link: DietitianLink, smoothie: Recipe, monday, monkeypatch, caplog
) -> None:
    """Ending access comes first: a copy today's validation refuses (an old recipe) rolls
    back alone and is logged; the link ends all the same."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs) -> set[int]:
        raise ValidationError("servings: too many")

    monkeypatch.setattr(recipe_services, "recipes_handed_over_at_link_end", refuse)
    link_revoke(link=link, by=person)
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "recipes not handed over" in caplog.text
