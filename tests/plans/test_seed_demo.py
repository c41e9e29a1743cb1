from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from accounts.models import DietitianLink, Invitation, User
from accounts.selectors import person_on
from plans import recipes
from plans.demo import ACCOUNTS, DEFAULT_DEMO_PASSWORD, FOODS, RECIPES, WEEK, demo_codes
from plans.models import Day, MealItem, MealRecipe, Recipe, RecipeIngredient, SupplementDose
from plans.recipe_selectors import pure_recipe
from plans.selectors import day_get_for, day_to_engine, monday_of
from tests.factories import FoodFactory

pytestmark = pytest.mark.django_db


def run() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("seed_demo", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def demo_foods():
    return [FoodFactory(code=code, description=name) for code, name in FOODS.items()]


def snapshot() -> tuple:
    return (
        sorted(User.objects.values_list("email", "password", "is_superuser", "is_dietitian")),
        sorted(Day.objects.values_list("date", "version", "notes")),
        MealItem.objects.count(),
        SupplementDose.objects.count(),
        sorted(Recipe.objects.values_list("name", "servings", "updated_at")),
        RecipeIngredient.objects.count(),
        MealRecipe.objects.count(),
        sorted(DietitianLink.objects.values_list("dietitian__email", "client__email")),
    )


def test_the_demo_uses_real_sr28_codes_for_every_item():
    assert demo_codes() == set(FOODS)
    # Pumpkin seed kernels, whole-wheat bread, dark chocolate and the rest are SR28 numbers.
    assert {"12014", "18075", "19904", "08120", "16015", "12061"} <= demo_codes()
    assert len(WEEK) == 7
    # The recipes' pulses, seeds and grains are SR28 numbers too (dry lentils, tahini, buckwheat).
    assert {"16069", "16057", "12166", "20009", "16014", "12006"} <= demo_codes()
    assert len(RECIPES) == 5
    used = {name for day in WEEK for uses in day.recipes.values() for name, _ in uses}
    assert used
    assert used <= {recipe.name for recipe in RECIPES}


def test_without_foods_it_exits_2_and_writes_nothing():
    code, _, err = run()
    assert code == 2
    assert err.strip() == "seed_demo: no foods in the database: run load_foods first"
    assert not User.objects.exists()


def test_a_missing_code_is_named(demo_foods):
    demo_foods[0].delete()
    code, _, err = run()
    assert code == 2
    assert f"{demo_foods[0].code} ({FOODS[demo_foods[0].code]})" in err
    assert "run load_foods first" in err
    assert not User.objects.exists()


def test_first_run_creates_accounts_and_the_current_week(demo_foods):
    code, out, _ = run()

    assert code == 0
    assert "Demo data created." in out
    for spec in ACCOUNTS:
        assert spec.email in out
        assert User.objects.get(email=spec.email).check_password(DEFAULT_DEMO_PASSWORD)
    assert User.objects.get(email="admin@example.org").is_superuser
    assert User.objects.get(email="dietitian@example.org").is_dietitian
    editor = User.objects.get(email="editor@example.org")
    assert editor.is_staff
    assert list(editor.groups.values_list("name", flat=True)) == ["Food editors"]

    person = User.objects.get(email="ana@example.org")
    assert person.profile.onboarded_at is not None
    assert person.profile.date_of_birth.year == 1990
    monday = monday_of(timezone.localdate())
    days = Day.objects.filter(plan__owner=person).order_by("date")
    assert [day.date.toordinal() - monday.toordinal() for day in days] == list(range(7))
    expected_items = sum(len(items) for day in WEEK for items in day.meals.values())
    assert MealItem.objects.filter(meal__day__plan__owner=person).count() == expected_items
    citrate_days = sorted(
        SupplementDose.objects.filter(meal__name="Dinner").values_list("day__date", flat=True)
    )
    assert [d.weekday() for d in citrate_days] == [0, 2, 4]
    assert f"/plan/week/{monday.isoformat()}/" in out


def test_the_demo_dietitian_is_linked_to_the_person_by_an_accepted_invitation(demo_foods):
    run()
    dietitian = User.objects.get(email="dietitian@example.org")
    person = User.objects.get(email="ana@example.org")

    link = DietitianLink.objects.active().get(dietitian=dietitian, client=person)
    assert Invitation.objects.get(accepted_link=link).used_at is not None
    client = Client()
    client.force_login(dietitian)
    assert (
        client.get(f"/clients/{person.pk}/day/{timezone.localdate().isoformat()}/").status_code
        == 200
    )
    run()
    assert DietitianLink.objects.filter(dietitian=dietitian, client=person).count() == 1


def test_second_run_changes_nothing_and_says_so(demo_foods):
    run()
    before = snapshot()

    code, out, _ = run()

    assert code == 0
    assert "Nothing changed: the demo data was already there." in out
    assert snapshot() == before


def test_demo_password_from_the_environment(demo_foods, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another demo secret")
    _, out, _ = run()
    assert "another demo secret" in out
    client = Client()
    # django-axes needs the request that authenticate() is for.
    assert client.login(
        request=HttpRequest(), email="ana@example.org", password="another demo secret"
    )
    page = client.get(f"/plan/day/{monday_of(timezone.localdate()).isoformat()}/")
    assert page.status_code == 200
    assert "Magnesium citrate 500 mg" in page.content.decode()

    monkeypatch.setenv("DEMO_PASSWORD", "changed again")
    _, out, _ = run()
    assert "(password unchanged: set before this run)" in out


def test_the_demo_recipes_are_made_planned_and_their_figures_come_from_the_engine(demo_foods):
    _, out, _ = run()

    person = User.objects.get(email="ana@example.org")
    made = {recipe.name: recipe for recipe in Recipe.objects.filter(owner=person)}
    assert set(made) == {spec.name for spec in RECIPES}
    for spec in RECIPES:
        assert made[spec.name].ingredients.count() == len(spec.ingredients)
    curry = made["Red lentil curry"]
    lentils = curry.ingredients.get(food__code="16069")
    assert (lentils.grams, lentils.preparation) == (300, "soaked")

    # Sunday's dinner holds a serving of the curry, and the day's score counts its foods.
    sunday = monday_of(timezone.localdate()) + timedelta(days=6)
    day = day_get_for(user=person, on=sunday)
    used = MealRecipe.objects.get(meal__day=day)
    assert (used.meal.name, used.recipe_id, used.servings) == ("Dinner", curry.pk, 1)
    engine_day = day_to_engine(day, person_on(person.profile, day.date))
    keys = [item.key for meal in engine_day.meals for item in meal.items]
    assert sum(1 for key in keys if key and key.startswith(f"recipe-{used.pk}-")) == 8

    # The printed line is the engine's score of one serving eaten as a meal.
    today = person_on(person.profile, timezone.localdate())
    score = recipes.score_as_meal(pure_recipe(curry), today)
    assert f"Red lentil curry: per serving (400 g) {score.food_mg:.1f} mg magnesium" in out
    assert f"{score.effective_mg:.1f} mg effective" in out

    # Not typed in: a change to the recipe changes what the next run prints.
    lentils.grams = 600
    lentils.save()
    _, again, _ = run()
    assert "Red lentil curry: already there, left as it is" in again
    changed = recipes.score_as_meal(pure_recipe(curry), today)
    assert changed.food_mg > score.food_mg
    assert f"Red lentil curry: per serving (400 g) {changed.food_mg:.1f} mg magnesium" not in out
    assert f"{changed.food_mg:.1f} mg magnesium on the plate" in again


# ---- the demo link, ended in the app, comes back on the next run ----


def demo_pair() -> tuple[User, User]:
    return User.objects.get(email="dietitian@example.org"), User.objects.get(
        email="ana@example.org"
    )


def test_an_ended_demo_link_is_made_again_with_the_first_seeds_rights(demo_foods):
    from accounts.link_services import link_revoke

    run()
    dietitian, ana = demo_pair()
    first = DietitianLink.objects.active().get(dietitian=dietitian, client=ana)
    # Ana ends it under Your dietitian, as a demo user trying that out would.
    link_revoke(link=first, by=ana)
    assert not DietitianLink.objects.active().filter(dietitian=dietitian).exists()

    code, out, _ = run()

    assert code == 0
    assert (
        "link: Re-linked the dietitian with Ana: the demo link had ended; ana@example.org "
        "accepted dietitian@example.org again (rights as on the first seed: edit her plan, "
        "set her target)"
    ) in out
    assert "Nothing changed" not in out
    again = DietitianLink.objects.active().get(dietitian=dietitian, client=ana)
    assert again.pk != first.pk
    assert (again.can_edit_plans, again.can_set_target) == (True, True)
    # The ended link stays as it ended: the history of who had access when.
    first.refresh_from_db()
    assert first.revoked_at is not None
    # Made by an accepted invitation, as on the first seed.
    assert Invitation.objects.get(accepted_link=again).used_at is not None
    client = Client()
    client.force_login(dietitian)
    clients_page = client.get("/clients/")
    assert clients_page.status_code == 200
    assert "Ana" in clients_page.content.decode()

    before = snapshot()
    code, out, _ = run()
    assert code == 0
    assert "Nothing changed: the demo data was already there." in out
    assert "Re-linked" not in out
    assert snapshot() == before
    assert DietitianLink.objects.filter(dietitian=dietitian, client=ana).count() == 2


def test_a_link_with_narrowed_rights_is_left_as_ana_set_it(demo_foods):
    from accounts.link_services import link_rights_set

    run()
    dietitian, ana = demo_pair()
    link = DietitianLink.objects.active().get(dietitian=dietitian, client=ana)
    link_rights_set(link=link, by=ana, can_edit_plans=False, can_set_target=False)

    _, out, _ = run()

    assert "Nothing changed: the demo data was already there." in out
    link.refresh_from_db()
    assert (link.can_edit_plans, link.can_set_target, link.revoked_at) == (False, False, None)


def test_a_waiting_invitation_from_the_demo_dietitian_is_the_one_accepted(demo_foods):
    from accounts.link_services import invitation_create, link_revoke

    run()
    dietitian, ana = demo_pair()
    link_revoke(link=DietitianLink.objects.active().get(dietitian=dietitian), by=dietitian)
    # The dietitian invited Ana again in the app; she has not answered yet.
    waiting, _ = invitation_create(
        sender=dietitian, addressee_email=ana.email, direction="dietitian_invites_client"
    )

    code, out, _ = run()

    assert code == 0
    assert "Re-linked the dietitian with Ana" in out
    waiting.refresh_from_db()
    assert waiting.accepted_link == DietitianLink.objects.active().get(dietitian=dietitian)


def test_a_dietitian_who_may_no_longer_invite_is_not_linked_and_the_rest_is_seeded(demo_foods):
    from accounts.link_services import link_revoke

    run()
    dietitian, ana = demo_pair()
    link_revoke(link=DietitianLink.objects.active().get(dietitian=dietitian), by=ana)
    User.objects.filter(pk=dietitian.pk).update(is_dietitian=False)
    Day.objects.filter(plan__owner=ana).order_by("date").last().delete()

    code, out, _ = run()

    assert code == 0
    assert "link: not linked: Only a dietitian can invite a client." in out
    assert not DietitianLink.objects.active().filter(dietitian=dietitian).exists()
    assert Invitation.objects.filter(used_at__isnull=True).count() == 0
    assert Day.objects.filter(plan__owner=ana).count() == 7
