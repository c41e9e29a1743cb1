"""QA fixes in the planner's forms and wording: an amount in grams and a measure both sent,
supplement label fields a kind does not carry, Django's default messages, and amounts said as
the item says them."""

from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import MealItem, Recipe, SupplementDose, SupplementProduct
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    MealRecipeFactory,
    PortionFactory,
    RecipeFactory,
    RecipeIngredientFactory,
    sr28_foods,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


class _FormFields(HTMLParser):
    """What a browser sends for the form whose action is `action`: its inputs' values and
    each select's selected option (the first when none is)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.first: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select, self.first = attrs["name"], None
        elif tag == "option" and self.select:
            value = attrs.get("value") or ""
            if self.first is None:
                self.first = value
                self.fields[self.select] = value
            if "selected" in attrs:
                self.fields[self.select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_fields(html: str, action: str) -> dict[str, str]:
    parser = _FormFields(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


def day_url(day, **query):
    url = reverse("plans:day", args=[day.date.isoformat()])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def measured_item(day, *, quantity=2):
    """Pumpkin seeds added as "2 × 1 oz" to the day's first meal."""
    ounce = PortionFactory(food=FoodFactory(description="Pumpkin seeds"), grams=28.35)
    item = MealItemFactory(
        meal=day.meals.get(name="Breakfast"),
        food=ounce.food,
        portion=ounce,
        portion_quantity=Decimal(quantity),
        grams=round(28.35 * quantity, 2),
    )
    assert item.amount_label == "2 × 1 oz (56.7 g)"
    return item


# ---------------------------------------------------------------- grams or a measure


def test_grams_typed_in_the_edit_form_of_a_measured_item_are_saved(client, person, day):
    item = measured_item(day)
    update = reverse("plans:meal_item_update", args=[item.pk])
    # Without JavaScript the Edit link opens the form on the day page.
    fields = form_fields(client.get(day_url(day, edit=item.pk)).content.decode(), update)
    assert fields[f"item-{item.pk}-grams"] == ""
    assert fields[f"item-{item.pk}-portion"] == str(item.portion_id)

    fields[f"item-{item.pk}-grams"] = "10"
    response = client.post(update, fields)

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.grams, item.portion, item.amount_label) == (10, None, "10 g")


def test_a_new_count_of_the_measure_is_saved_with_the_grams_left_blank(client, person, day):
    item = measured_item(day)
    update = reverse("plans:meal_item_update", args=[item.pk])
    html = client.get(reverse("plans:meal_item_edit", args=[item.pk]), **HTMX).content.decode()
    fields = form_fields(html, update)

    fields[f"item-{item.pk}-portion_quantity"] = "3"
    response = client.post(update, fields, **HTMX)

    assert response.status_code == 200
    item.refresh_from_db()
    assert item.amount_label == "3 × 1 oz (85 g)"


def test_a_measure_picked_for_an_item_in_grams_wins_over_its_grams_shown(client, person, day):
    ounce = PortionFactory(grams=28.35)
    item = MealItemFactory(meal=day.meals.get(name="Lunch"), food=ounce.food, grams=30)
    update = reverse("plans:meal_item_update", args=[item.pk])
    fields = form_fields(client.get(day_url(day, edit=item.pk)).content.decode(), update)
    assert fields[f"item-{item.pk}-grams"] == "30"

    fields[f"item-{item.pk}-portion"] = str(ounce.pk)
    fields[f"item-{item.pk}-portion_quantity"] = "2"
    assert client.post(update, fields).status_code == 302

    item.refresh_from_db()
    assert item.amount_label == "2 × 1 oz (56.7 g)"


def test_grams_and_a_changed_measure_together_are_refused(client, person, day):
    item = measured_item(day)
    update = reverse("plans:meal_item_update", args=[item.pk])
    fields = form_fields(client.get(day_url(day, edit=item.pk)).content.decode(), update)

    fields[f"item-{item.pk}-grams"] = "10"
    fields[f"item-{item.pk}-portion_quantity"] = "3"
    response = client.post(update, fields, **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the grams or a measure, not both" in html
    assert 'value="10"' in html  # what was typed is shown again
    item.refresh_from_db()
    assert item.amount_label == "2 × 1 oz (56.7 g)"


def test_adding_with_grams_and_a_measure_is_refused_not_saved_as_the_measure(client, person, day):
    cup = PortionFactory(unit="cup", grams=129)
    meal = day.meals.get(name="Breakfast")
    add = reverse("plans:meal_item_add", args=[meal.pk])
    amount_form = reverse("plans:food_amount_form", args=[meal.pk])
    html = client.get(amount_form, {"food": cup.food.pk}, **HTMX).content.decode()
    fields = form_fields(html, add)

    fields.update({f"add-{meal.pk}-grams": "10", f"add-{meal.pk}-portion": str(cup.pk)})
    response = client.post(add, fields, **HTMX)
    # A post that does not say what the form showed cannot tell either.
    bare = {
        f"add-{meal.pk}-food": str(cup.food.pk),
        f"add-{meal.pk}-grams": "10",
        f"add-{meal.pk}-portion": str(cup.pk),
        f"add-{meal.pk}-portion_quantity": "1",
    }
    no_js = client.post(add, bare)

    assert (response.status_code, no_js.status_code) == (422, 422)
    assert "Give the grams or a measure, not both" in response.content.decode()
    assert "Give the grams or a measure, not both" in no_js.content.decode()
    assert not MealItem.objects.filter(meal=meal).exists()


def test_grams_typed_for_a_recipe_ingredient_in_a_measure_are_saved(client, person):
    # The recipe page's ingredient form is the same amount_fields and AmountForm.
    cup = PortionFactory(unit="cup", grams=164)
    line = RecipeIngredientFactory(
        recipe=RecipeFactory(owner=person),
        food=cup.food,
        portion=cup,
        portion_quantity=Decimal(1),
        grams=164,
    )
    update = reverse("recipes:ingredient_update", args=[line.pk])
    html = client.get(reverse("recipes:detail", args=[line.recipe_id])).content.decode()
    fields = form_fields(html, update)

    fields[f"ing-{line.pk}-grams"] = "120"
    response = client.post(update, fields)

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.grams, line.portion, line.amount_label) == (120, None, "120 g")


def test_a_count_above_a_thousand_is_refused_in_the_apps_words(client, person, day):
    ounce = PortionFactory(grams=1)
    meal = day.meals.get(name="Breakfast")
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {
            f"add-{meal.pk}-food": ounce.food.pk,
            f"add-{meal.pk}-portion": ounce.pk,
            f"add-{meal.pk}-portion_quantity": "1001",
        },
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "At most 1,000 of a measure; check the number." in html
    assert "Ensure this value" not in html


# ---------------------------------------------------------------- supplement label fields


def log(client, day, **fields):
    data = {
        "supplement-kind": "magnesium",
        "supplement-form": "glycinate",
        "supplement-amount_mg": "500",
        "supplement-amount_basis": "compound",
        "supplement-quantity": "1",
        "supplement-save_product": "on",
    }
    data.update({f"supplement-{name}": value for name, value in fields.items()})
    return client.post(reverse("plans:supplement_log", args=[day.date.isoformat()]), data, **HTMX)


def test_the_calcium_of_a_magnesium_tablet_is_saved_and_shown(client, person, day):
    response = log(client, day, calcium_mg="500", quantity="2")

    assert response.status_code == 200
    dose = SupplementDose.objects.get()
    assert dose.product.calcium_mg == 500
    html = client.get(day_url(day)).content.decode()
    panel = unescape(html.split('id="day-supplements"')[1].split("</section>")[0])
    # Two tablets on the day; one tablet under "My supplements".
    assert "= 141 mg elemental; 1,000 mg calcium, counted in the day's calcium" in panel
    assert "= 70 mg elemental; 500 mg calcium, counted in the day's calcium" in panel


@pytest.mark.parametrize(
    ("fields", "refused", "message"),
    [
        ({"vitamin_d_iu": "400"}, "vitamin_d_iu", "Vitamin D is logged as a product of its own"),
        (
            {
                "kind": "vitamin_d",
                "form": "",
                "amount_mg": "",
                "vitamin_d_iu": "1000",
                "calcium_mg": "500",
            },
            "calcium_mg",
            "log it as its own “Calcium tablet”",
        ),
        (
            {"kind": "calcium", "form": "", "calcium_mg": "600"},
            "amount_mg",
            "Magnesium is entered for a magnesium product",
        ),
        (
            {"kind": "calcium", "amount_mg": "", "calcium_mg": "600"},
            "form",
            "Only magnesium has a form here",
        ),
    ],
)
def test_a_label_amount_the_kind_does_not_carry_is_refused(
    client, person, day, fields, refused, message
):
    response = log(client, day, **fields)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_supplement-{refused}_error"' in html
    assert message in html
    assert not SupplementProduct.objects.exists()


def test_the_log_forms_label_fields_say_which_kind_needs_them(client, person, day):
    html = client.get(day_url(day)).content.decode()
    form = html.split('id="supplement-log-form"')[1].split("</form>")[0]

    for label in ("Magnesium on the label (mg)", "Calcium per tablet", "Vitamin D per tablet"):
        assert f'{label} <span class="field-optional">(optional)' not in form
    assert (
        'Calcium per tablet (mg) <span class="field-optional">(needed for a calcium tablet)' in form
    )
    assert 'Vitamin D per tablet (IU) <span class="field-optional">(needed for vitamin D)' in form
    assert 'Magnesium form <span class="field-optional">(needed for magnesium)' in form
    assert "Also for a magnesium tablet with calcium" in form


# ---------------------------------------------------------------- recipes' wording


def test_the_cooked_weight_says_optional_once(client, person):
    html = client.get(reverse("recipes:list")).content.decode()
    assert "(g, optional)" not in html
    assert 'Cooked weight (g) <span class="field-optional">(optional)</span>' in html


def test_a_recipes_servings_and_weight_are_refused_in_the_apps_words(client, person):
    response = client.post(
        reverse("recipes:new"),
        {"name": "Hummus", "servings": "0", "cooked_weight_grams": "30000"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "A recipe makes at least 1 serving." in html
    assert "At most 20,000 g; check the weight." in html
    assert "Ensure this value" not in html
    assert not Recipe.objects.exists()


def test_grams_of_the_dish_above_the_limit_are_said_with_a_thousands_separator(client, person):
    curry = RecipeFactory(owner=person)
    response = client.post(
        reverse("recipes:plan", args=[curry.pk]),
        {
            "plan-date": timezone.localdate().isoformat(),
            "plan-meal": "Dinner",
            "plan-grams": "30000",
        },
    )

    assert response.status_code == 422
    assert "Enter at most 20,000 g of the dish." in response.content.decode()


# ---------------------------------------------------------------- amounts as the item says them


def test_an_applied_suggestion_says_the_amount_as_the_item_does(
    client, person, day, fresh_candidate_pool
):
    seeds = sr28_foods("pumpkin")["pumpkin"]  # with its 1 oz (28.35 g)
    response = client.post(
        reverse("plans:suggestion_apply", args=[day.date.isoformat()]),
        {"kind": "add", "meal": "Lunch", "food": seeds.code, "grams": "28.35"},
        **HTMX,
    )

    assert response.status_code == 200
    item = MealItem.objects.get(meal__name="Lunch", food=seeds)
    assert item.amount_label == "1 × 1 oz (28.4 g)"
    html = response.content.decode()
    assert f"Added 1 × 1 oz (28.4 g) {seeds.description} to Lunch." in html
    assert "28.35 g" not in html


def test_the_meal_tools_page_shows_each_items_preparation(client, person, day):
    cup = PortionFactory(food=FoodFactory(description="Oats"), unit="cup", grams=156)
    meal = day.meals.get(name="Breakfast")
    MealItemFactory(
        meal=meal,
        food=cup.food,
        portion=cup,
        portion_quantity=Decimal("1.5"),
        grams=234,
        preparation="soaked",
    )
    MealItemFactory(meal=meal, food=FoodFactory(description="Milk"), grams=200)

    html = client.get(reverse("plans:meal_tools", args=[meal.pk])).content.decode()

    assert "<li>Oats, 1.5 × 1 cup (234 g), soaked</li>" in html
    assert "<li>Milk, 200 g</li>" in html


def test_the_meal_tools_page_lists_the_meals_recipes(client, person, day):
    """A meal holding only a recipe is copied and saved as a template with it: its tools page
    says so, not "Nothing in Lunch yet"."""
    meal = day.meals.get(name="Lunch")
    MealRecipeFactory(
        meal=meal, recipe=RecipeFactory(owner=person, name="Red lentil curry"), servings=1.5
    )

    html = client.get(reverse("plans:meal_tools", args=[meal.pk])).content.decode()

    assert "<li>Red lentil curry (recipe), 1.5 servings</li>" in html
    assert "Nothing in Lunch yet" not in html
