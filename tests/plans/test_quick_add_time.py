"""The one-click "Add" under "My supplements" takes a time, so two products taken together on
their own are one occasion (plans.selectors.day_to_engine groups such doses by `taken_at`).

The forms are filled from the day page as a browser without JavaScript would: only the fields
the page offers are sent."""

import re
from datetime import time
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.selectors import person_on
from plans.models import SupplementDose
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import SupplementProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


class _ProductForm(HTMLParser):
    """The action and fields (name → value, as the page sets them) of the form inside
    `<li id="product-N">`, and the text of each label by the id it is for."""

    def __init__(self, product_pk: int) -> None:
        super().__init__()
        self.li_id = f"product-{product_pk}"
        self.inside = False
        self.action = ""
        self.fields: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.hidden_label_text: dict[str, str] = {}
        self._select: str | None = None
        self._label: str | None = None
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "li" and attr.get("id") == self.li_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "form":
            self.action = attr["action"]
        elif tag == "input" and attr.get("name"):
            self.fields[attr["name"]] = attr.get("value", "")
            self.types[attr["name"]] = attr.get("type", "text")
        elif tag == "select":
            self._select = attr["name"]
            self.fields[self._select] = ""
            self.types[self._select] = "select"
        elif tag == "option" and self._select and "selected" in attr:
            self.fields[self._select] = attr["value"]
        elif tag == "label":
            self._label = attr["for"]
            self.labels[self._label] = ""
            self.hidden_label_text[self._label] = ""
            if "visually-hidden" in attr.get("class", ""):
                self._hidden_depth = 1
        elif (
            tag == "span"
            and self._label is not None
            and not self._hidden_depth
            and "visually-hidden" in attr.get("class", "")
        ):
            self._hidden_depth = 1

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select":
            self._select = None
        elif tag == "label":
            self._label, self._hidden_depth = None, 0
        elif tag == "span" and self._hidden_depth:
            self._hidden_depth = 0
        elif tag == "li":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self._label is not None:
            self.labels[self._label] += data
            if not self._hidden_depth:
                self.hidden_label_text[self._label] += data

    def visible_label(self, field_id: str) -> str:
        return self.hidden_label_text.get(field_id, "").strip()


def product_form(client, day, product) -> _ProductForm:
    page = client.get(reverse("plans:day", args=[day.date.isoformat()]))
    assert page.status_code == 200
    parser = _ProductForm(product.pk)
    parser.feed(page.content.decode())
    assert parser.action, "no one-click form for the product"
    return parser


def add_as_a_browser(client, day, product, *, htmx=False, **chosen):
    """Post the product's one-click form with the page's fields, `chosen` filled in (by the
    field's name after `product-N-`); a field the page lacks cannot be filled."""
    form = product_form(client, day, product)
    data = dict(form.fields)
    for name, value in chosen.items():
        key = f"product-{product.pk}-{name}"
        assert key in data, f"the form has no {key}"
        data[key] = value
    return client.post(form.action, data, **(HTMX if htmx else {}))


def standalone_occasions(person, day):
    score = score_day(
        day_to_engine(day_get_for(user=person, on=day.date), person_on(person.profile, day.date))
    )
    return [o for o in score.occasions if not o.is_meal and o.supplement_elemental_mg > 0]


def test_each_saved_product_offers_a_time_labelled_at(client, person, day):
    product = SupplementProductFactory(owner=person, name="Glycinate")
    form = product_form(client, day, product)
    field = f"product-{product.pk}-taken_at"
    assert form.types[field] == "time"
    assert form.fields[field] == ""
    assert form.visible_label(field) == "At"
    # Read aloud, the label says which product and that the time is for a dose on its own.
    assert "Glycinate" in form.labels[field]


def test_two_products_added_on_their_own_at_one_time_are_one_occasion(client, person, day):
    citrate = SupplementProductFactory(owner=person, name="Citrate", form="citrate")
    glycinate = SupplementProductFactory(owner=person, name="Glycinate", form="glycinate")

    assert add_as_a_browser(client, day, citrate, taken_at="08:00").status_code == 302
    assert add_as_a_browser(client, day, glycinate, taken_at="08:00").status_code == 302

    doses = SupplementDose.objects.filter(day=day).order_by("pk")
    assert [(d.product.name, d.meal, d.taken_at) for d in doses] == [
        ("Citrate", None, time(8, 0)),
        ("Glycinate", None, time(8, 0)),
    ]
    occasions = standalone_occasions(person, day)
    assert len(occasions) == 1
    assert occasions[0].supplement_elemental_mg == pytest.approx(
        citrate.elemental_mg + glycinate.elemental_mg
    )


def test_products_added_at_two_times_are_two_occasions(client, person, day):
    citrate = SupplementProductFactory(owner=person, name="Citrate", form="citrate")
    glycinate = SupplementProductFactory(owner=person, name="Glycinate", form="glycinate")
    assert add_as_a_browser(client, day, citrate, taken_at="08:00", htmx=True).status_code == 200
    assert add_as_a_browser(client, day, glycinate, taken_at="20:30", htmx=True).status_code == 200
    assert len(standalone_occasions(person, day)) == 2
    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert "on its own at 08:00" in page
    assert "on its own at 20:30" in page


def test_a_time_with_a_meal_is_kept_as_the_log_form_keeps_it_and_the_meal_counts(
    client, person, day
):
    product = SupplementProductFactory(owner=person, name="Citrate", form="citrate")
    dinner = day.meals.get(name="Dinner")
    response = add_as_a_browser(client, day, product, meal=str(dinner.pk), taken_at="19:00")
    assert response.status_code == 302
    dose = SupplementDose.objects.get()
    assert (dose.meal, dose.taken_at) == (dinner, time(19, 0))
    # With a meal the dose joins the meal's occasion: the time only shows.
    assert standalone_occasions(person, day) == []


def test_no_time_is_on_its_own_as_before(client, person, day):
    product = SupplementProductFactory(owner=person, name="Citrate", form="citrate")
    assert add_as_a_browser(client, day, product).status_code == 302
    assert SupplementDose.objects.get().taken_at is None


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_time_is_422_with_the_error_at_the_products_time_field(client, person, day, htmx):
    product = SupplementProductFactory(owner=person, name="Citrate", form="citrate")
    other = SupplementProductFactory(owner=person, name="Glycinate", form="glycinate")
    lunch = day.meals.get(name="Lunch")
    response = add_as_a_browser(
        client, day, product, meal=str(lunch.pk), taken_at="25:99", htmx=htmx
    )
    assert response.status_code == 422
    assert not SupplementDose.objects.exists()
    html = response.content.decode()
    field = f"product-{product.pk}-taken_at"
    error = re.search(rf'<ul class="errorlist field-errors" id="{field}_error">(.*?)</ul>', html)
    assert error
    assert "Enter a time such as 21:30." in error.group(1)
    invalid = f'aria-invalid="true" aria-describedby="{field}_error"'
    assert re.search(rf'<input type="time" id="{field}"[^>]*{invalid}', html)
    # The summary links to the field; the refused form keeps the meal chosen.
    assert f'<a href="#{field}">At: Enter a time such as 21:30.</a>' in html
    assert f'<option value="{lunch.pk}" selected>With Lunch</option>' in html
    # The other product's form is untouched.
    assert f'id="product-{other.pk}-taken_at_error"' not in html
    assert html.count(f'<option value="{lunch.pk}" selected>') == 1
