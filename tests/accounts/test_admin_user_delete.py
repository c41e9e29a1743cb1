"""Deleting a user in the admin runs the same removal as "Delete my account".

The end state asserted here is the one tests/accounts/test_data_rights.py asserts for the
person's own deletion: plan, history, custom foods, recipes and links gone; the access log
kept without the identity; shared recipes and custom foods handed over first; a
dietitian's shared notes kept unsigned and private ones gone.
"""

from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.data_rights import account_remove, deleted_user_ref
from accounts.models import AccessAction, AccessLog, DietitianLink, User
from foods.models import Food
from plans.models import (
    Day,
    DayNote,
    MealItem,
    MealRecipe,
    NoteVisibility,
    Recipe,
    SupplementDose,
    SupplementProduct,
)
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealFactory,
    MealItemFactory,
    MealRecipeFactory,
    ProfileFactory,
    RecipeFactory,
    RecipeIngredientFactory,
    SupplementDoseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:accounts_user_changelist"


def _delete_url(user: User) -> str:
    return reverse("admin:accounts_user_delete", args=[user.pk])


@pytest.fixture
def admin_user(client) -> User:
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def world():
    """A person and her dietitian, each with a day that uses their own custom food, a dose
    of their own product and a shared recipe the other eats; the dietitian's notes on the
    person's day; an access log entry of the dietitian looking at that day."""
    link = DietitianLinkFactory()
    person, dietitian = link.client, link.dietitian
    rows = {"link": link, "person": person, "dietitian": dietitian}
    for who, name in ((person, "Lentil curry"), (dietitian, "Oat porridge")):
        meal = MealFactory(day__plan__owner=who, name="Lunch")
        own = FoodFactory(source="custom", code=f"u{who.pk}", description=f"{name} bar", owner=who)
        MealItemFactory(meal=meal, food=FoodFactory(), grams=28)
        MealItemFactory(meal=meal, food=own, grams=40)
        recipe = RecipeFactory(owner=who, name=name, shared=True)
        RecipeIngredientFactory(recipe=recipe, food=own, grams=100)
        MealRecipeFactory(meal=meal, recipe=recipe)
        SupplementDoseFactory(day=meal.day, product__owner=who)
        rows[who.pk] = {"meal": meal, "own": own, "recipe": recipe}
    # Each eats the other's shared recipe; the person's day also names his custom food.
    rows["eaten_by_dietitian"] = MealRecipeFactory(
        meal=rows[dietitian.pk]["meal"], recipe=rows[person.pk]["recipe"], servings=Decimal(2)
    )
    rows["eaten_by_person"] = MealRecipeFactory(
        meal=rows[person.pk]["meal"], recipe=rows[dietitian.pk]["recipe"], servings=Decimal(3)
    )
    rows["stray"] = MealItemFactory(
        meal=rows[person.pk]["meal"], food=rows[dietitian.pk]["own"], grams=15
    )
    day = rows[person.pk]["meal"].day
    DayNote.objects.create(
        day=day, author=dietitian, visibility=NoteVisibility.SHARED, text="Well done"
    )
    DayNote.objects.create(
        day=day, author=dietitian, visibility=NoteVisibility.PRIVATE, text="secret"
    )
    AccessLog.objects.create(
        dietitian=dietitian,
        client=person,
        action=AccessAction.VIEW,
        path=f"/clients/{person.pk}/day/{day.date.isoformat()}/",
    )
    return rows


def assert_removed(world, user_pk: int) -> None:
    """What test_data_rights asserts after "Delete my account", for `user_pk`."""
    mine = world[user_pk]
    assert not User.objects.filter(pk=user_pk).exists()
    assert not Day.objects.filter(plan__owner_id=user_pk).exists()
    assert not Day.history.filter(id=mine["meal"].day_id).exists()
    assert not Food.objects.filter(pk=mine["own"].pk).exists()
    assert not Food.history.filter(id=mine["own"].pk).exists()
    assert not Recipe.objects.filter(pk=mine["recipe"].pk).exists()
    assert not SupplementProduct.objects.filter(owner_id=user_pk).exists()
    assert not DietitianLink.objects.filter(pk=world["link"].pk).exists()


def assert_person_removed(world) -> None:
    person_pk = world["person"].pk
    assert_removed(world, person_pk)
    entry = AccessLog.objects.get(action=AccessAction.VIEW)
    assert entry.client_id is None
    assert entry.client_ref == deleted_user_ref(person_pk)
    assert str(person_pk) not in entry.path.split("/day/")[0]
    assert entry.path.startswith("/clients/deleted/day/")


def test_the_admin_deletes_a_person_as_her_own_deletion_does(client, admin_user, world) -> None:
    person, dietitian = world["person"], world["dietitian"]
    page = client.get(_delete_url(person))
    assert page.status_code == 200
    response = client.post(_delete_url(person), {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    assert_person_removed(world)
    # Her recipe in his meal, and her custom food inside it, are now his own copies.
    used = world["eaten_by_dietitian"]
    used.refresh_from_db()
    assert used.recipe.owner_id == dietitian.pk
    assert used.recipe.name == "Lentil curry"
    assert used.servings == 2
    ingredient = used.recipe.ingredients.get()
    assert ingredient.food.owner_id == dietitian.pk
    assert ingredient.food.description == "Lentil curry bar"
    assert MealRecipe.objects.filter(meal=world[dietitian.pk]["meal"]).count() == 2
    # His own plan is untouched.
    assert MealItem.objects.filter(meal=world[dietitian.pk]["meal"]).count() == 2
    assert SupplementDose.objects.filter(day__plan__owner=dietitian).count() == 1


def test_the_admin_deletes_a_dietitian_whose_client_eats_his_shared_recipe(
    client, admin_user, world
) -> None:
    person, dietitian = world["person"], world["dietitian"]
    dietitian_pk = dietitian.pk
    response = client.post(_delete_url(dietitian), {"post": "yes"})
    assert response.status_code == 302
    assert_removed(world, dietitian_pk)
    # His recipe on her day is her own copy now, with his custom food as hers; so is the
    # item of her day that named his custom food.
    used = world["eaten_by_person"]
    used.refresh_from_db()
    assert used.recipe.owner_id == person.pk
    assert used.recipe.name == "Oat porridge"
    assert used.servings == 3
    assert used.recipe.ingredients.get().food.owner_id == person.pk
    world["stray"].refresh_from_db()
    assert world["stray"].food.owner_id == person.pk
    assert world["stray"].food.description == "Oat porridge bar"
    # Shared note kept unsigned, private note gone; her access log entry kept, him unnamed.
    notes = DayNote.objects.filter(day=world[person.pk]["meal"].day)
    assert [(note.text, note.author_id) for note in notes] == [("Well done", None)]
    entry = AccessLog.objects.get(client=person)
    assert entry.dietitian_id is None
    assert MealItem.objects.filter(meal=world[person.pk]["meal"]).count() == 3


def test_the_confirmation_page_summarises_instead_of_refusing(client, admin_user, world) -> None:
    # A plain cascade finds the PROTECTed items and doses and refuses; the removal
    # deletes those rows itself, so the page says what happens instead of listing rows.
    html = unescape(" ".join(client.get(_delete_url(world["person"])).content.decode().split()))
    assert "Cannot delete" not in html
    assert "protected related objects" not in html
    assert "Yes, I’m sure" in html
    assert "1 day" in html
    assert "1 of their shared recipes is in other people's meals" in html
    assert "1 link with dietitians or clients" in html
    assert "is kept for their dietitians' records, without their name or email" in html
    assert "Meal item:" not in html


def test_the_bulk_action_deletes_each_as_their_own_deletion_does(client, admin_user, world) -> None:
    bystander = ProfileFactory().user
    MealItemFactory(meal__day__plan__owner=bystander)
    person, dietitian = world["person"], world["dietitian"]
    data = {"action": "delete_selected", "_selected_action": [person.pk, dietitian.pk]}
    page = client.post(reverse(CHANGELIST), data)
    assert page.status_code == 200
    html = " ".join(page.content.decode().split())
    assert "Cannot delete" not in html
    # Their one link, counted once though both ends are selected.
    assert "Links with dietitians or clients: 1" in html
    response = client.post(reverse(CHANGELIST), {**data, "post": "yes"})
    assert response.status_code == 302
    assert_person_removed(world)
    assert_removed(world, dietitian.pk)
    # Nothing of theirs is left, copies handed between the two included.
    assert not Recipe.objects.filter(name__in=["Lentil curry", "Oat porridge"]).exists()
    assert not Food.objects.filter(source="custom").exists()
    assert AccessLog.objects.get().dietitian_id is None
    assert set(User.objects.values_list("pk", flat=True)) == {admin_user.pk, bystander.pk}
    assert MealItem.objects.filter(meal__day__plan__owner=bystander).count() == 1


def test_staff_without_the_delete_permission_get_403(client, world) -> None:
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    person = world["person"]
    assert client.get(_delete_url(person)).status_code == 403
    assert client.post(_delete_url(person), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=person.pk).exists()
    assert AccessLog.objects.get().client_id == person.pk


def test_an_admin_cannot_delete_their_own_account_here(client, admin_user, world) -> None:
    # Their own data page is for that: it asks for the password and logs them out.
    assert client.get(_delete_url(admin_user)).status_code == 403
    assert client.post(_delete_url(admin_user), {"post": "yes"}).status_code == 403
    data = {"action": "delete_selected", "_selected_action": [admin_user.pk, world["person"].pk]}
    page = client.post(reverse(CHANGELIST), data)
    assert page.status_code == 200
    assert "your own account" in page.content.decode()
    assert client.post(reverse(CHANGELIST), {**data, "post": "yes"}).status_code == 403
    assert User.objects.filter(pk__in=[admin_user.pk, world["person"].pk]).count() == 2
    assert client.get(reverse(CHANGELIST)).status_code == 200


def test_removing_a_dietitian_refreshes_his_clients_pages(
    django_capture_on_commit_callbacks,
) -> None:
    # Her day shows his note, and nothing of his is handed to her: the pages of everyone
    # linked with him must go, whoever deletes him (the admin, a shell, or he himself).
    link = DietitianLinkFactory()
    meal = MealFactory(day__plan__owner=link.client)
    DayNote.objects.create(
        day=meal.day, author=link.dietitian, visibility=NoteVisibility.SHARED, text="Well done"
    )
    before = link.client.data_stamp
    with django_capture_on_commit_callbacks(execute=True):
        ref = account_remove(user=link.dietitian)
    link.client.refresh_from_db()
    assert link.client.data_stamp != before
    assert ref == deleted_user_ref(link.dietitian.pk)
