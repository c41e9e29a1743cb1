"""Download all of one's data (JSON, CSV zip) and delete the account."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.data_rights import account_data, account_delete, deleted_user_ref
from accounts.models import AccessAction, AccessLog, DietitianLink, User
from foods.models import Food
from plans.models import Day, DayNote, MealItem, MealRecipe, NoteVisibility, Recipe
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
)

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def person():
    user = ProfileFactory().user
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def planned(person):
    """A day with an SR28 food, a custom food, a recipe and a supplement; a dietitian link."""
    meal = MealFactory(day__plan__owner=person, name="Lunch")
    almonds = FoodFactory(code="12061", description="Nuts, almonds")
    own = FoodFactory(source="custom", code="u1", description="Gran's seed bar", owner=person)
    MealItemFactory(meal=meal, food=almonds, grams=28)
    MealItemFactory(meal=meal, food=own, grams=40)
    recipe = RecipeFactory(owner=person, name="Lentil curry", shared=True)
    RecipeIngredientFactory(recipe=recipe, food=own, grams=100)
    MealRecipeFactory(meal=meal, recipe=recipe)
    SupplementDoseFactory(day=meal.day, product__owner=person)
    link = DietitianLinkFactory(client=person)
    DayNote.objects.create(
        day=meal.day, author=link.dietitian, visibility=NoteVisibility.SHARED, text="Well done"
    )
    DayNote.objects.create(
        day=meal.day, author=link.dietitian, visibility=NoteVisibility.PRIVATE, text="secret"
    )
    AccessLog.objects.create(
        dietitian=link.dietitian,
        client=person,
        action=AccessAction.VIEW,
        path=f"/clients/{person.pk}/day/{meal.day.date.isoformat()}/",
    )
    return {"meal": meal, "recipe": recipe, "own": own, "link": link}


def test_the_json_export_holds_every_kind_of_row_with_food_codes_and_names(
    client, person, planned
) -> None:
    client.force_login(person)
    response = client.get(reverse("accounts:data_json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    tables = data["tables"]
    assert data["email"] == person.email
    assert "password" not in tables["account"][0]
    assert not {"data_stamp", "day_stamps"} & set(tables["account"][0])
    assert {(row["food_code"], row["food_description"]) for row in tables["meal_items"]} == {
        ("12061", "Nuts, almonds"),
        ("u1", "Gran's seed bar"),
    }
    assert [row["name"] for row in tables["recipes"]] == ["Lentil curry"]
    assert [row["description"] for row in tables["custom_foods"]] == ["Gran's seed bar"]
    assert len(tables["supplement_doses"]) == len(tables["supplement_products"]) == 1
    assert tables["profile"][0]["user_id"] == person.pk
    # Shared notes only: the private one is its author's.
    assert [row["text"] for row in tables["notes_shared_with_me"]] == ["Well done"]
    assert tables["dietitian_links"][0]["dietitian_email"] == planned["link"].dietitian.email
    assert len(tables["access_log"]) == 1


def test_the_export_holds_nobody_elses_rows(person, planned) -> None:
    other = ProfileFactory().user
    MealItemFactory(meal__day__plan__owner=other, food__description="Someone's oats")
    tables = account_data(user=person)["tables"]
    assert "Someone's oats" not in json.dumps(tables)
    assert len(tables["days"]) == 1


def test_the_csv_zip_has_one_file_per_table_with_the_same_rows(client, person, planned) -> None:
    client.force_login(person)
    response = client.get(reverse("accounts:data_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    tables = account_data(user=person)["tables"]
    assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in tables)
    rows = list(csv.DictReader(io.StringIO(archive.read("meal_items.csv").decode())))
    assert sorted(row["food_description"] for row in rows) == ["Gran's seed bar", "Nuts, almonds"]
    assert sorted(float(row["grams"]) for row in rows) == [28, 40]


def test_the_csv_zip_quotes_formula_like_text_and_keeps_numbers(client, person, planned) -> None:
    # The zip is opened in a spreadsheet: text that would run as a formula gets a quote.
    formula = '=HYPERLINK("http://evil","x")'
    planned["own"].description = formula
    planned["own"].save()
    planned["meal"].name = "-1+1"
    planned["meal"].save()
    client.force_login(person)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("accounts:data_csv")).content))

    def table(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))

    assert [row["description"] for row in table("custom_foods")] == ["'" + formula]
    items = table("meal_items")
    assert sorted(row["food_description"] for row in items) == ["'" + formula, "Nuts, almonds"]
    assert sorted(float(row["grams"]) for row in items) == [28, 40]
    assert [row["name"] for row in table("meals")] == ["'-1+1"]


def test_downloads_and_the_page_need_a_login(client) -> None:
    for name in ("accounts:data", "accounts:data_json", "accounts:data_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_the_page_offers_downloads_and_says_what_deleting_does(client, person, planned) -> None:
    client.force_login(person)
    html = client.get(reverse("accounts:data")).content.decode()
    assert reverse("accounts:data_json") in html
    assert reverse("accounts:data_csv") in html
    text = " ".join(html.split())
    assert "ends 1 link with dietitians or clients" in text
    assert "(1 day)" in text or " days)" in text
    assert "(s)" not in text
    assert "your 1 recipes" not in text


def test_a_wrong_password_deletes_nothing(client, person, planned) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": "wrong", "confirm": "DELETE"})
    assert response.status_code == 422
    assert "not your password" in response.content.decode()
    assert User.objects.filter(pk=person.pk).exists()
    assert Day.objects.filter(plan__owner=person).count() == 1


def test_without_the_confirm_word_nothing_is_deleted(client, person, planned) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 422
    assert User.objects.filter(pk=person.pk).exists()


def test_deleting_removes_the_plan_and_links_and_anonymises_the_access_log(
    client, person, planned
) -> None:
    client.force_login(person)
    person_pk, email = person.pk, person.email
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "delete"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=person_pk).exists()
    assert not User.objects.filter(email=email).exists()
    assert not Day.objects.filter(pk=planned["meal"].day_id).exists()
    assert not Day.history.filter(id=planned["meal"].day_id).exists()
    assert not Food.history.filter(id=planned["own"].pk).exists()
    assert not Food.objects.filter(pk=planned["own"].pk).exists()
    assert not Recipe.objects.filter(pk=planned["recipe"].pk).exists()
    assert not DietitianLink.objects.filter(pk=planned["link"].pk).exists()
    # The dietitian's record of what they looked at stays, without who it was.
    entry = AccessLog.objects.get(dietitian=planned["link"].dietitian)
    assert entry.client_id is None
    assert entry.client_ref == deleted_user_ref(person_pk)
    assert str(person_pk) not in entry.path.split("/day/")[0]
    assert entry.path.startswith("/clients/deleted/day/")
    # Logged out: the next request is anonymous.
    assert client.get(reverse("accounts:data")).status_code == 302


def test_a_shared_recipe_in_someone_elses_meal_becomes_their_own_copy(person, planned) -> None:
    link = planned["link"]
    other_meal = MealFactory(day__plan__owner=link.dietitian, name="Dinner")
    used = MealRecipeFactory(meal=other_meal, recipe=planned["recipe"], servings=Decimal(2))
    stray = MealItemFactory(meal=other_meal, food=planned["own"], grams=15)
    account_delete(user=person, password=PASSWORD)
    used.refresh_from_db()
    stray.refresh_from_db()
    copy = used.recipe
    assert copy.owner_id == link.dietitian.pk
    assert copy.name == "Lentil curry"
    assert used.servings == 2
    # Its ingredient (the deleted person's custom food) is now the dietitian's own food.
    ingredient = copy.ingredients.get()
    assert ingredient.food.owner_id == link.dietitian.pk
    assert ingredient.food.description == "Gran's seed bar"
    assert stray.food.owner_id == link.dietitian.pk
    assert MealRecipe.objects.filter(meal=other_meal).count() == 1
    assert MealItem.objects.filter(meal=other_meal).count() == 1


def test_a_dietitian_deleting_keeps_shared_notes_for_the_client_and_drops_private_ones(
    client, person, planned
) -> None:
    dietitian = planned["link"].dietitian
    dietitian.set_password(PASSWORD)
    dietitian.save()
    account_delete(user=dietitian, password=PASSWORD)
    notes = list(DayNote.objects.filter(day=planned["meal"].day))
    assert [(note.text, note.author_id) for note in notes] == [("Well done", None)]
    assert not DietitianLink.objects.filter(client=person).exists()
    # The client's access log keeps the entry, the dietitian unnamed.
    entry = AccessLog.objects.get(client=person)
    assert entry.dietitian_id is None
    client.force_login(person)
    html = client.get(
        reverse("plans:day", args=[planned["meal"].day.date.isoformat()])
    ).content.decode()
    assert "A former dietitian" in html
    assert "Well done" in html
