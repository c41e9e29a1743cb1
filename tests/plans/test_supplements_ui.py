from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import person_on
from plans import services
from plans.models import AmountBasis, SupplementDose, SupplementProduct
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    ProfileFactory,
    SupplementProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def log_url(day):
    return reverse("plans:supplement_log", args=[day.date.isoformat()])


def citrate_label(**extra):
    data = {
        "supplement-kind": "magnesium",
        "supplement-form": "citrate",
        "supplement-amount_mg": "500",
        "supplement-amount_basis": "compound",
        "supplement-quantity": "1",
        "supplement-meal": "",
        "supplement-taken_at": "21:30",
        "supplement-name": "",
        "supplement-save_product": "on",
    }
    data.update(extra)
    return data


def score_of(user, on):
    profile = ProfileFactory._meta.model.objects.get(user=user)
    return score_day(day_to_engine(day_get_for(user=user, on=on), person_on(profile, on)))


# ---- services ----


def test_a_products_default_name_keeps_the_forms_capitals(day, person):
    dose = services.supplement_log(
        day=day,
        editor=person,
        kind="magnesium",
        form="threonate",
        amount_mg=2000,
        amount_basis=AmountBasis.COMPOUND,
    )
    assert dose.product.name == "Magnesium L-threonate 2000 mg"


def test_a_compound_label_is_stored_as_printed_and_scored_as_elemental(day, person):
    dose = services.supplement_log(
        day=day,
        editor=person,
        kind="magnesium",
        form="citrate",
        amount_mg=500,
        amount_basis=AmountBasis.COMPOUND,
    )

    assert dose.product.name == "Magnesium citrate 500 mg"
    assert dose.product.amount_mg == 500
    assert dose.product.elemental_mg == pytest.approx(80.8, abs=0.1)
    score = score_of(person, day.date)
    assert score.supplement_elemental_mg == pytest.approx(80.8, abs=0.1)


def test_a_calcium_tablet_adds_calcium_and_no_magnesium(day, person):
    before = score_of(person, day.date)
    services.supplement_log(day=day, editor=person, kind="calcium", calcium_mg=600)

    after = score_of(person, day.date)
    assert after.calcium_mg - before.calcium_mg == pytest.approx(600)
    assert after.supplement_elemental_mg == 0


def test_a_calcium_tablet_on_its_own_is_no_row_of_the_by_meal_table(client, day, person):
    services.supplement_log(day=day, editor=person, kind="calcium", calcium_mg=500)
    services.supplement_log(day=day, editor=person, kind="magnesium", form="citrate", amount_mg=100)
    html = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    table = html.split("<h3>By meal</h3>")[1].split("</table>")[0]
    assert "Magnesium citrate, 100 mg elemental (supplement)" in table
    assert "Calcium" not in table


def test_missing_label_numbers_are_refused_per_kind(day, person):
    with pytest.raises(ValidationError) as magnesium:
        services.supplement_log(day=day, editor=person, kind="magnesium", form="citrate")
    with pytest.raises(ValidationError) as vitamin_d:
        services.supplement_log(day=day, editor=person, kind="vitamin_d")
    with pytest.raises(ValidationError) as unknown_form:
        services.supplement_log(
            day=day, editor=person, kind="magnesium", form="unobtainium", amount_mg=100
        )

    assert "amount_mg" in magnesium.value.message_dict
    assert "vitamin_d_iu" in vitamin_d.value.message_dict
    assert "form" in unknown_form.value.message_dict
    assert not SupplementProduct.objects.exists()


def test_a_dose_of_someone_elses_product_is_refused(day, person):
    stranger_product = SupplementProductFactory(owner=UserFactory())
    with pytest.raises(ValidationError):
        services.supplement_dose_add(day=day, product=stranger_product, editor=person)
    assert not SupplementDose.objects.exists()


def test_delete_and_restore_bump_the_day_version(day, person):
    dose = services.supplement_dose_add(
        day=day, product=SupplementProductFactory(owner=person), editor=person
    )
    version = type(day).objects.get(pk=day.pk).version
    services.supplement_dose_delete(dose=dose, editor=person)
    assert score_of(person, day.date).supplement_elemental_mg == 0
    services.supplement_dose_restore(dose=dose, editor=person)

    assert score_of(person, day.date).supplement_elemental_mg == 300
    assert type(day).objects.get(pk=day.pk).version == version + 2


# ---- the day page ----


def test_the_day_shows_both_weights_of_a_logged_supplement(client, person, day):
    response = client.post(log_url(day), citrate_label())

    assert response.status_code == 302
    assert response["Location"].endswith("#day-supplements")
    html = client.get(response["Location"]).content.decode()
    assert "500 mg magnesium citrate = 81 mg elemental" in html
    assert "on its own at 21:30" in html
    # Saved: offered under "My supplements" for one click.
    assert "My supplements" in html


def test_the_log_form_stores_the_amounts_entered_and_none_for_those_left_blank(client, person, day):
    client.post(log_url(day), citrate_label(**{"supplement-calcium_mg": "250"}))
    client.post(log_url(day), citrate_label(**{"supplement-amount_mg": "400"}))

    with_calcium, plain = (dose.product for dose in SupplementDose.objects.order_by("pk"))
    assert (with_calcium.amount_mg, with_calcium.calcium_mg) == (500, 250)
    assert (plain.amount_mg, plain.calcium_mg, plain.vitamin_d_iu) == (400, 0, 0)


def test_an_elemental_label_shows_the_compound_too(client, person, day):
    client.post(
        log_url(day),
        citrate_label(**{"supplement-form": "oxide", "supplement-amount_basis": "elemental"}),
    )
    html = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert "500 mg elemental magnesium = 829 mg magnesium oxide" in html


def test_htmx_log_returns_the_panel_and_the_score_out_of_band(client, person, day):
    breakfast = day.meals.get(name="Breakfast")
    MealItemFactory(meal=breakfast, grams=30)

    response = client.post(
        log_url(day), citrate_label(**{"supplement-meal": str(breakfast.pk)}), **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="day-supplements"')
    assert 'id="day-score" class="card score-panel"' in html
    assert 'hx-swap-oob="innerHTML"' in html
    # Breakfast's own line counts the citrate taken with it, so the meals follow too.
    assert 'id="day-meals" class="day-meals" hx-swap-oob="outerHTML"' in html
    assert "with Breakfast" in html
    score = score_of(person, day.date)
    assert f"{score.effective_mg:,.0f} mg" in html


def test_invalid_label_is_422_with_field_errors_and_nothing_saved(client, person, day):
    data = citrate_label(**{"supplement-amount_mg": "-5"})
    response = client.post(log_url(day), data, **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter an amount above 0 mg." in html
    assert 'value="-5"' in html
    assert not SupplementDose.objects.exists()

    no_js = client.post(log_url(day), citrate_label(**{"supplement-form": ""}))
    assert no_js.status_code == 422
    assert "Pick the magnesium form printed on the label." in no_js.content.decode()
    assert "<html" in no_js.content.decode()


def test_an_other_supplement_takes_elemental_magnesium_only(client, person, day):
    other = {"supplement-form": "other", "supplement-amount_mg": "300"}
    response = client.post(log_url(day), citrate_label(**other), **HTMX)
    assert response.status_code == 422
    assert "enter the elemental magnesium" in response.content.decode()
    assert not SupplementDose.objects.exists()
    elemental = citrate_label(**other, **{"supplement-amount_basis": "elemental"})
    assert client.post(log_url(day), elemental, **HTMX).status_code == 200
    assert SupplementDose.objects.get().product.amount_basis == "elemental"


def test_a_meal_of_another_day_is_refused(client, person, day):
    other = services.day_get_or_create(
        user=person, on=day.date - timezone.timedelta(days=1), editor=person
    )
    foreign_meal = other.meals.first()
    response = client.post(log_url(day), citrate_label(**{"supplement-meal": foreign_meal.pk}))
    assert response.status_code == 422
    assert not SupplementDose.objects.exists()


def test_one_click_adds_a_saved_product_with_a_meal(client, person, day):
    product = SupplementProductFactory(owner=person, name="Evening glycinate", form="glycinate")
    dinner = day.meals.get(name="Dinner")
    url = reverse("plans:supplement_dose_add", args=[day.date.isoformat(), product.pk])

    response = client.post(
        url, {f"product-{product.pk}-quantity": "1", f"product-{product.pk}-meal": dinner.pk}
    )

    assert response.status_code == 302
    dose = SupplementDose.objects.get()
    assert (dose.product, dose.meal, dose.quantity) == (product, dinner, Decimal(1))


def test_one_click_with_another_persons_product_is_404(client, person, day):
    product = SupplementProductFactory(owner=UserFactory())
    url = reverse("plans:supplement_dose_add", args=[day.date.isoformat(), product.pk])
    assert client.post(url, {f"product-{product.pk}-quantity": "1"}).status_code == 404


def test_delete_offers_undo_without_js(client, person, day):
    dose = services.supplement_dose_add(
        day=day, product=SupplementProductFactory(owner=person, name="Mag 300"), editor=person
    )

    response = client.post(reverse("plans:supplement_dose_delete", args=[dose.pk]))
    page = client.get(response["Location"]).content.decode()
    assert "Removed Mag 300." in page
    assert reverse("plans:supplement_dose_restore", args=[dose.pk]) in page

    client.post(reverse("plans:supplement_dose_restore", args=[dose.pk]))
    assert SupplementDose.objects.get(pk=dose.pk).deleted_at is None


def test_vitamin_d_on_a_day_below_target_shows_the_note(client, person, day):
    services.supplement_log(day=day, editor=person, kind="vitamin_d", vitamin_d_iu=1000)
    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert "1,000 IU vitamin D" in page
    assert "Vitamin D needs magnesium to be activated" in page


def test_no_vitamin_d_note_on_a_day_that_meets_the_target(client, person, day):
    # 100 g of a 592 mg/100 g food in each of three meals: well over 320 mg effective.
    seeds = FoodFactory(phytate_mg_per_100g=0)
    for name in ("Breakfast", "Lunch", "Dinner"):
        MealItemFactory(meal=day.meals.get(name=name), food=seeds, grams=40)
    services.supplement_log(day=day, editor=person, kind="vitamin_d", vitamin_d_iu=1000)
    assert score_of(person, day.date).status == "meets"

    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert "1,000 IU vitamin D" in page
    assert "Vitamin D needs magnesium" not in page


def test_the_vitamin_d_note_follows_item_writes_out_of_band(client, person, day):
    """Adding, deleting and restoring a food redraw the note's slot, not the whole panel."""
    services.supplement_log(day=day, editor=person, kind="vitamin_d", vitamin_d_iu=1000)
    breakfast = day.meals.get(name="Breakfast")
    seeds = FoodFactory(magnesium_mg_per_100g=592, phytate_mg_per_100g=0)
    note = "Vitamin D needs magnesium to be activated"

    added = client.post(
        reverse("plans:meal_item_add", args=[breakfast.pk]),
        {f"add-{breakfast.pk}-food": seeds.pk, f"add-{breakfast.pk}-grams": "150"},
        **HTMX,
    ).content.decode()
    assert score_of(person, day.date).status == "meets"
    assert '<div id="vitamin-d-slot" hx-swap-oob="true"></div>' in added
    assert 'id="day-supplements"' not in added

    item = breakfast.items.get(food=seeds)
    deleted = client.post(reverse("plans:meal_item_delete", args=[item.pk]), **HTMX)
    html = deleted.content.decode()
    assert '<div id="vitamin-d-slot" hx-swap-oob="true">' in html
    assert note in html
    assert 'id="day-supplements"' not in html

    restored = client.post(reverse("plans:meal_item_restore", args=[item.pk]), **HTMX)
    assert note not in restored.content.decode()
    # The whole page agrees with what the fragments said.
    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert '<div id="vitamin-d-slot"></div>' in page


def test_live_conversion_fragment(client, person):
    url = reverse("plans:supplement_conversion")
    query = {
        "supplement-form": "citrate",
        "supplement-amount_mg": "500",
        "supplement-amount_basis": "compound",
    }
    html = client.get(url, query, **HTMX).content.decode()
    assert html.strip().startswith('<p id="supplement-conversion"')
    assert "500 mg magnesium citrate = 81 mg elemental" in html

    nonsense = client.get(url, {**query, "supplement-amount_mg": "nan"}, **HTMX)
    assert "elemental" not in nonsense.content.decode().split("e.g.")[0]

    # "Other" has no compound to convert: the preview says what saving would say.
    other = client.get(url, {**query, "supplement-form": "other"}, **HTMX).content.decode()
    assert "enter the elemental magnesium" in other
    assert "500 mg elemental magnesium" not in other


def test_my_supplements_page_lists_and_archives(client, person):
    product = SupplementProductFactory(owner=person, name="Mag citrate caps")
    page = client.get(reverse("plans:supplements")).content.decode()
    assert "Mag citrate caps" in page
    assert "300 mg elemental magnesium = 1,856 mg magnesium citrate per unit" in page
    assert page.count("300 mg elemental") == 1  # said once, not again on a line of its own

    response = client.post(reverse("plans:supplement_product_archive", args=[product.pk]))
    assert response.status_code == 302
    assert SupplementProduct.objects.get(pk=product.pk).archived
    after = client.get(reverse("plans:supplements")).content.decode()
    assert "Mag citrate caps is off your list; days that logged it keep it." in after
    assert f'id="product-{product.pk}"' not in after


def test_the_same_label_twice_is_one_product(day, person):
    label = {"kind": "magnesium", "form": "citrate", "amount_mg": 500, "amount_basis": "compound"}
    first = services.supplement_log(day=day, editor=person, save_product=False, **label)
    assert first.product.archived  # logged once, not listed
    second = services.supplement_log(day=day, editor=person, **label)

    assert second.product == first.product
    assert not SupplementProduct.objects.get().archived
    assert SupplementDose.objects.filter(day=day).count() == 2


def test_one_click_with_a_bad_meal_is_422_with_the_error(client, person, day):
    product = SupplementProductFactory(owner=person)
    url = reverse("plans:supplement_dose_add", args=[day.date.isoformat(), product.pk])
    response = client.post(
        url, {f"product-{product.pk}-quantity": "1", f"product-{product.pk}-meal": "999999"}, **HTMX
    )
    assert response.status_code == 422
    assert "That supplement was not added" in response.content.decode()
    assert not SupplementDose.objects.exists()


def test_a_meal_write_refreshes_the_supplement_panel_too(client, person, day):
    dinner = day.meals.get(name="Dinner")
    services.supplement_dose_add(
        day=day, product=SupplementProductFactory(owner=person), editor=person, meal=dinner
    )

    response = client.post(
        reverse("plans:meal_rename", args=[dinner.pk]), {f"meal-{dinner.pk}-name": "Supper"}, **HTMX
    )

    html = response.content.decode()
    assert '<section id="day-supplements" class="card supplements"' in html
    panel = html[html.index('<section id="day-supplements"') :]
    assert 'hx-swap-oob="outerHTML"' in panel.split(">")[0]
    assert "with Supper" in panel


def test_on_a_clients_day_the_supplements_are_the_clients(client, person, day):
    # A dietitian read "My supplements" over the client's list, a link to their own list,
    # and "Save to my supplements" for a product that joins the client's.
    import html

    from tests.factories import DietitianLinkFactory

    SupplementProductFactory(owner=person, name="Citrate 200")
    link = DietitianLinkFactory(client=person)
    client.force_login(link.dietitian)
    url = reverse("clients:day", args=[person.pk, day.date.isoformat()])
    page = html.unescape(client.get(url).content.decode())
    name = person.name
    assert f"<h3>{name}'s supplements</h3>" in page
    assert f"When {name} takes Citrate 200" in page
    assert f"Save to {name}'s supplements for other days" in page
    assert f"Name on {name}'s list" in page
    for mine in ("My supplements", "Manage my supplements", "Save to my", "When you take"):
        assert mine not in page
