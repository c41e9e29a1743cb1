"""QA findings on recipes: an imported measure must agree with its grams; errors about a pasted
or uploaded document are on the field it came from; the recipe page names a line when its food
appears twice, and its phytate column is the prepared value the score uses."""

import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans import recipes
from plans.models import Recipe
from plans.targets import Person
from tests.factories import (
    FoodFactory,
    PortionFactory,
    RecipeFactory,
    RecipeIngredientFactory,
)

WOMAN = Person(sex="female", age_years=34)
LENTILS = recipes.Ingredient(
    name="Lentils, raw",
    grams=200,
    magnesium_mg_per_100g=47,
    phytate_mg_per_100g=780,
    calcium_mg_per_100g=35,
    kcal_per_100g=352,
    role="legume",
    code="16069",
    key="1",
)
RICE = recipes.Ingredient(
    name="Rice, brown, raw",
    grams=150,
    magnesium_mg_per_100g=143,
    phytate_mg_per_100g=890,
    calcium_mg_per_100g=23,
    kcal_per_100g=367,
    role="grain",
    code="20036",
    key="9",
)


# ---------------------------------------------------------------- measure against grams (pure)


def test_grams_far_from_the_measure_are_refused_with_both_amounts():
    problem = recipes.measure_grams_error(label="1 bunch", quantity=3, measure_grams=340, grams=340)
    assert problem == "3 × 1 bunch is 1,020 g, not 340 g: give one or the other."


@pytest.mark.parametrize(
    ("quantity", "measure_grams", "grams", "agree"),
    [
        (3, 340, 1020, True),
        (3, 340, 1030, True),  # within 1 %
        (3, 340, 1031, False),
        (0.5, 28.35, 14.6, True),  # within 0.5 g
        (0.5, 28.35, 14.8, False),
        (1.5, 164, 246, True),
    ],
)
def test_grams_agree_with_a_measure_within_one_percent_or_half_a_gram(
    quantity, measure_grams, grams, agree
):
    problem = recipes.measure_grams_error(
        label="1 cup", quantity=quantity, measure_grams=measure_grams, grams=grams
    )
    assert (problem is None) is agree


# ---------------------------------------------------------------- measure against grams (import)


@pytest.fixture
def kale():
    food = FoodFactory(
        code="11233",
        description="Kale, raw",
        food_group="Vegetables and Vegetable Products",
        magnesium_mg_per_100g=33,
        calcium_mg_per_100g=254,
    )
    PortionFactory(food=food, seq=2, amount=Decimal(1), unit="bunch", grams=340)
    return food


@pytest.fixture
def oats():
    return FoodFactory(code="08120", description="Oats", magnesium_mg_per_100g=138)


def kale_document(*, grams, quantity=3, unit="bunch", oats_code="08120"):
    return {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "name": "Kale bowl",
        "recipeYield": "2 servings",
        EXTENSION_KEY: {
            "version": 1,
            "servings": 2,
            "ingredients": [
                {"code": oats_code, "source": "usda_sr28", "grams": 80, "preparation": "none"},
                {
                    "code": "11233",
                    "source": "usda_sr28",
                    "grams": grams,
                    "preparation": "none",
                    "measure": {"unit": unit, "amount": "1", "quantity": quantity},
                },
            ],
        },
    }


EXTENSION_KEY = recipes.EXTENSION_KEY


def post_import(client, document):
    return client.post(reverse("recipes:import"), {"text": json.dumps(document)})


@pytest.mark.django_db
def test_an_imported_measure_that_disagrees_with_its_grams_is_refused(client, person, kale, oats):
    response = post_import(client, kale_document(grams=340))
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "<code>ingredients[1].measure</code>: "
        "3 × 1 bunch is 1,020 g, not 340 g: give one or the other." in html
    )
    assert not Recipe.objects.filter(owner=person).exists()


@pytest.mark.django_db
def test_an_imported_measure_that_agrees_with_its_grams_keeps_both(client, person, kale, oats):
    assert post_import(client, kale_document(grams=1020)).status_code == 302
    line = Recipe.objects.get(owner=person).ingredients.get(food=kale)
    assert (line.portion.unit, line.portion_quantity, line.grams) == ("bunch", Decimal(3), 1020)
    assert line.amount_label == "3 × 1 bunch (1,020 g)"


@pytest.mark.django_db
def test_a_measure_the_food_lacks_leaves_the_grams_alone(client, person, kale, oats):
    # Another database's "bowl" has no grams here to check against: the grams stand alone.
    assert post_import(client, kale_document(grams=340, unit="bowl")).status_code == 302
    line = Recipe.objects.get(owner=person).ingredients.get(food=kale)
    assert (line.portion, line.grams) == (None, 340)


@pytest.mark.django_db
def test_a_measure_error_is_listed_with_an_unknown_food(client, person, kale, oats):
    response = post_import(client, kale_document(grams=340, oats_code="99999"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "<code>ingredients[0].code</code>: No food 99999" in html
    assert "<code>ingredients[1].measure</code>: 3 × 1 bunch is 1,020 g" in html


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [1001, 1e25, 1e300])
def test_an_absurd_count_of_a_measure_is_refused_at_the_measure(
    client, person, kale, oats, quantity
):
    # A count past what a line keeps (the form's 1,000) once overflowed the Decimal: a 500.
    response = post_import(client, kale_document(grams=340, quantity=quantity))
    assert response.status_code == 422
    assert (
        "<code>ingredients[1].measure</code>: At most 1,000 of a measure; check the number."
        in response.content.decode()
    )
    assert not Recipe.objects.filter(owner=person).exists()


# ---------------------------------------------------------------- where document errors go


def field_error(html, field_id):
    """The text of a field's error list (`<id>_error`), or None when it has none."""
    match = re.search(rf'<ul class="errorlist field-errors" id="{field_id}_error">(.*?)</ul>', html)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else None


@pytest.mark.django_db
@pytest.mark.parametrize("pasted", ["[1,2]", "null", '"x"', "3"])
def test_pasted_json_that_is_no_object_is_an_error_on_the_pasted_field(client, person, pasted):
    response = client.post(reverse("recipes:import"), {"text": pasted})
    assert response.status_code == 422
    html = response.content.decode()
    assert field_error(html, "id_text") == "Error: Expected a JSON object (a schema.org Recipe)."
    assert field_error(html, "id_file") is None
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*id="id_text"', html)
    assert "<code>file</code>" not in html
    assert "<code>document</code>" not in html
    # The summary links to the field the JSON was pasted in.
    assert '<a href="#id_text">or paste the JSON: Expected a JSON object' in html
    assert not Recipe.objects.filter(owner=person).exists()


@pytest.mark.django_db
def test_an_uploaded_file_that_is_no_object_is_an_error_on_the_file_field(client, person):
    upload = SimpleUploadedFile("recipe.json", b"[1, 2]", content_type="application/json")
    response = client.post(reverse("recipes:import"), {"file": upload})
    assert response.status_code == 422
    html = response.content.decode()
    assert field_error(html, "id_file") == "Error: Expected a JSON object (a schema.org Recipe)."
    assert field_error(html, "id_text") is None


@pytest.mark.django_db
def test_broken_json_stays_on_the_field_it_came_from(client, person):
    pasted = client.post(reverse("recipes:import"), {"text": "{not json"}).content.decode()
    assert field_error(pasted, "id_text").startswith("Error: Not valid JSON")
    upload = SimpleUploadedFile("recipe.json", b"{not json", content_type="application/json")
    uploaded = client.post(reverse("recipes:import"), {"file": upload}).content.decode()
    assert field_error(uploaded, "id_file").startswith("Error: Not valid JSON")


@pytest.mark.django_db
def test_json_nested_thousands_deep_is_an_error_on_its_field(client, person):
    # Valid JSON that Python's parser cannot descend: a RecursionError was a 500.
    deep = '{"a":' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post(reverse("recipes:import"), {"text": deep})
    assert response.status_code == 422
    assert field_error(response.content.decode(), "id_text") == (
        "Error: Not a recipe: the JSON is nested too deeply."
    )


@pytest.mark.django_db
def test_an_integer_too_large_for_a_number_is_refused_at_its_field(client, person, kale, oats):
    document = kale_document(grams=1020)
    document[EXTENSION_KEY]["servings"] = 10**400  # JSON allows it; a float does not
    response = client.post(reverse("recipes:import"), {"text": json.dumps(document)})
    assert response.status_code == 422
    assert "<code>recipeYield</code>: Give the number of servings" in response.content.decode()
    assert not Recipe.objects.filter(owner=person).exists()


def test_parsing_a_document_that_is_no_object_says_so_under_the_document_key():
    with pytest.raises(recipes.RecipeImportError) as caught:
        recipes.parse_recipe_json(None, preparations=("none",))
    assert caught.value.errors == {
        recipes.DOCUMENT_KEY: ["Expected a JSON object (a schema.org Recipe)."]
    }


# ---------------------------------------------------------------- the same food twice


def hint_of(text):
    """ "Soak the Lentils, raw (100 g, as is): +4.9 mg per serving" → what it names."""
    match = re.fullmatch(r"(?:Soak|Sprout|Ferment) (the .*): \+\d+\.\d mg per serving", text)
    assert match, text
    return match.group(1)


def test_a_food_named_twice_has_its_hints_name_the_line_by_amount_and_preparation():
    soaked = recipes.replace(LENTILS, preparation="soaked")
    plain = recipes.replace(LENTILS, grams=100, key="2")
    dal = recipes.Recipe("Dal", 4, (soaked, plain, RICE))
    texts = {gain.index: gain.text for gain in recipes.preparation_gains(dal, WOMAN)}
    # Which step (soak, sprout) is the engine's call; which line it means is the point here.
    assert hint_of(texts[0]) == "the Lentils, raw (200 g, soaked)"
    assert hint_of(texts[1]) == "the Lentils, raw (100 g, as is)"
    # A food named once is named as before.
    assert hint_of(texts[2]) == "the Rice, brown, raw"


def test_lines_alike_in_amount_and_preparation_are_told_apart_by_their_place():
    twice = recipes.Recipe("Dal", 4, (LENTILS, RICE, recipes.replace(LENTILS, key="3")))
    texts = {gain.index: gain.text for gain in recipes.preparation_gains(twice, WOMAN)}
    assert hint_of(texts[0]) == "the Lentils, raw (200 g, as is, line 1)"
    assert hint_of(texts[2]) == "the Lentils, raw (200 g, as is, line 3)"


def test_a_recipe_with_each_food_once_reads_as_before():
    dal = recipes.Recipe("Dal", 4, (LENTILS, RICE))
    assert all("(" not in gain.text for gain in recipes.preparation_gains(dal, WOMAN))


@pytest.fixture
def lentil_dal(person):
    lentils = FoodFactory(
        code="16069",
        description="Lentils, raw",
        food_group="Legumes and Legume Products",
        magnesium_mg_per_100g=47,
        phytate_mg_per_100g=780,
        calcium_mg_per_100g=35,
    )
    dal = RecipeFactory(owner=person, name="Lentil dal", servings=4)
    soaked = RecipeIngredientFactory(
        recipe=dal, food=lentils, grams=200, preparation="soaked", position=0
    )
    plain = RecipeIngredientFactory(recipe=dal, food=lentils, grams=100, position=1)
    return dal, soaked, plain


def phytate_cell(html, line_pk):
    row = re.search(rf'<tr id="ingredient-{line_pk}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(r'<td data-label="Phytate \(as prepared\)">([\d,.]+) mg', row)
    return float(cell.group(1).replace(",", ""))


@pytest.mark.django_db
def test_the_recipe_page_names_each_line_of_a_food_named_twice(client, person, lentil_dal):
    dal, _, _ = lentil_dal
    html = client.get(reverse("recipes:detail", args=[dal.pk])).content.decode()
    hints = re.findall(r"<li>((?:Soak|Sprout|Ferment) the [^<]*)</li>", html)
    assert sorted(hint_of(hint) for hint in hints) == [
        "the Lentils, raw (100 g, as is)",
        "the Lentils, raw (200 g, soaked)",
    ]


@pytest.mark.django_db
def test_the_phytate_column_is_as_prepared_and_adds_up_to_the_serving(client, person, lentil_dal):
    dal, soaked, plain = lentil_dal
    html = client.get(reverse("recipes:detail", args=[dal.pk])).content.decode()
    assert '<th scope="col">Phytate (as prepared)</th>' in html
    # Soaking takes off a quarter (scoring.PREPARATION_PHYTATE_FACTOR): 200 g × 7.8 × 0.75.
    assert phytate_cell(html, soaked.pk) == 1170
    assert phytate_cell(html, plain.pk) == 780
    serving = re.search(
        r'<th scope="row">Phytate \(as prepared\)</th><td class="num">([\d,]+) mg', html
    )
    assert float(serving.group(1).replace(",", "")) == pytest.approx((1170 + 780) / 4, abs=0.5)
