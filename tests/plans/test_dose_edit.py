"""Editing a logged supplement dose: amount as the label gives it, how many, and when."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from plans import services
from plans.models import SupplementDose, SupplementProduct
from plans.selectors import day_get_for
from tests.factories import (
    DietitianLinkFactory,
    ProfileFactory,
    SupplementProductFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def dose(day, person):
    product = SupplementProductFactory(
        owner=person, name="Magnesium citrate 500 mg", amount_mg=500, amount_basis="compound"
    )
    return services.supplement_dose_add(day=day, product=product, editor=person)


def edit_data(dose, **values):
    fields = {"quantity": "1", "amount_mg": "500", "amount_basis": "compound", "meal": ""}
    fields.update(values)
    return {f"dose-{dose.pk}-{name}": value for name, value in fields.items()}


def effective_mg(user, on):
    from accounts.selectors import person_on, profile_for
    from plans.scoring import score_day
    from plans.selectors import day_to_engine

    day = day_get_for(user=user, on=on)
    return score_day(day_to_engine(day, person_on(profile_for(user=user), on))).effective_mg


def test_a_changed_amount_points_the_dose_at_that_label_and_leaves_the_product(dose, person):
    other_day = services.day_get_or_create(
        user=person, on=dose.day.date.replace(day=1), editor=person
    )
    kept = services.supplement_dose_add(day=other_day, product=dose.product, editor=person)
    services.supplement_dose_update(
        dose=dose, editor=person, quantity=Decimal(2), amount_mg=100, amount_basis="elemental"
    )
    dose.refresh_from_db()
    kept.refresh_from_db()
    assert dose.quantity == 2
    assert (dose.product.amount_mg, dose.product.amount_basis) == (100, "elemental")
    # Named afresh (the old name described the old amount), and off "my supplements".
    assert dose.product.name == "Magnesium citrate, 100 mg elemental"
    assert dose.product.archived
    assert kept.product.amount_mg == 500
    assert SupplementProduct.objects.get(pk=kept.product_id).name == "Magnesium citrate 500 mg"


def test_a_name_the_person_chose_stays(day, person):
    product = SupplementProductFactory(owner=person, name="Nightly", amount_mg=300)
    dose = services.supplement_dose_add(day=day, product=product, editor=person)
    services.supplement_dose_update(dose=dose, editor=person, quantity=Decimal(1), amount_mg=200)
    dose.refresh_from_db()
    assert (dose.product.name, dose.product.amount_mg) == ("Nightly", 200)


def test_the_same_amount_keeps_the_product_and_moves_the_dose_to_a_meal(dose, person):
    lunch = dose.day.meals.get(name="Lunch")
    services.supplement_dose_update(dose=dose, editor=person, quantity=Decimal(1), meal=lunch)
    dose.refresh_from_db()
    assert dose.product.name == "Magnesium citrate 500 mg"
    assert dose.taken_with == lunch


def test_a_meal_of_another_day_is_refused_and_nothing_changes(dose, person):
    other = services.day_get_or_create(user=person, on=dose.day.date.replace(day=1), editor=person)
    with pytest.raises(ValidationError) as error:
        services.supplement_dose_update(
            dose=dose, editor=person, quantity=Decimal(3), meal=other.meals.first()
        )
    assert "meal" in error.value.message_dict
    dose.refresh_from_db()
    assert dose.quantity == 1


def test_the_edit_bumps_the_day_version(dose, person):
    version = dose.day.version
    services.supplement_dose_update(dose=dose, editor=person, quantity=Decimal(2))
    dose.day.refresh_from_db()
    assert dose.day.version == version + 1


def test_without_javascript_edit_link_opens_the_form_and_the_post_redirects(client, dose):
    day_url = reverse("plans:day", args=[dose.day.date.isoformat()])
    opened = client.get(reverse("plans:supplement_dose_edit", args=[dose.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == f"{day_url}?edit_dose={dose.pk}#dose-{dose.pk}"
    html = client.get(f"{day_url}?edit_dose={dose.pk}").content.decode()
    assert f'action="{reverse("plans:supplement_dose_update", args=[dose.pk])}"' in html
    assert f'name="dose-{dose.pk}-amount_mg"' in html
    assert re.search(rf'name="dose-{dose.pk}-amount_mg" value="500(\.0)?"', html)
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]),
        edit_data(dose, quantity="2", amount_mg="250"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{day_url}#day-supplements"
    dose.refresh_from_db()
    assert (dose.quantity, dose.product.amount_mg) == (2, 250)


def test_htmx_edit_fragment_then_save_swaps_the_panel_and_the_score(client, dose, person):
    fragment = client.get(reverse("plans:supplement_dose_edit", args=[dose.pk]), **HTMX)
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="day-supplements"')
    assert f'name="dose-{dose.pk}-quantity"' in html
    cancel = client.get(reverse("plans:supplement_dose_edit", args=[dose.pk]) + "?cancel=1", **HTMX)
    assert f'name="dose-{dose.pk}-quantity"' not in cancel.content.decode()
    before = effective_mg(person, dose.day.date)
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]),
        edit_data(dose, quantity="2"),
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="day-supplements"')
    assert re.search(r'id="day-score"[^>]*hx-swap-oob', html)
    assert effective_mg(person, dose.day.date) > before


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "quarter of a tablet"),
        ({"amount_mg": ""}, "amount_mg", "Enter the amount on the label."),
        ({"amount_mg": "9000"}, "amount_mg", "At most 5,000 mg"),
        ({"amount_basis": "weight"}, "amount_basis", "valid choice"),
        ({"taken_at": "25:99"}, "taken_at", "Enter a time"),
        ({"meal": "999999"}, "meal", "valid choice"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_input_is_a_422_with_the_error_and_nothing_changes(
    client, dose, values, field, message, htmx
):
    headers = HTMX if htmx else {}
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]),
        edit_data(dose, **{"quantity": "3", **values}),
        **headers,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'id="id_dose-{dose.pk}-{field}_error"' in html
    dose.refresh_from_db()
    assert dose.quantity == 1
    assert dose.product.amount_mg == 500


def test_a_stale_version_is_a_409_and_nothing_changes(client, dose):
    version = f"{dose.day.pk}:{dose.day.version}"
    services.day_notes_update(day=dose.day, notes="changed elsewhere", editor=dose.day.plan.owner)
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]),
        {**edit_data(dose, quantity="2"), "day_version": version},
    )
    assert response.status_code == 409
    dose.refresh_from_db()
    assert dose.quantity == 1


def test_calcium_and_vitamin_d_doses_offer_their_own_amount(client, day, person):
    calcium = services.supplement_log(day=day, editor=person, kind="calcium", calcium_mg=600)
    response = client.post(
        reverse("plans:supplement_dose_update", args=[calcium.pk]),
        {f"dose-{calcium.pk}-quantity": "1", f"dose-{calcium.pk}-calcium_mg": "300"},
    )
    assert response.status_code == 302
    calcium.refresh_from_db()
    assert calcium.product.calcium_mg == 300


@pytest.mark.parametrize(("calcium", "kept"), [("250", 250), ("400", 400), ("", 0)])
def test_a_tablet_with_calcium_edits_its_calcium_too(client, day, person, calcium, kept):
    """The form shows the combined tablet's calcium; what it posts is the label's calcium,
    and a blank is none (the field emptied), as on the log form."""
    product = SupplementProductFactory(owner=person, amount_mg=300, calcium_mg=250)
    dose = services.supplement_dose_add(day=day, product=product, editor=person)
    opened = client.get(reverse("plans:supplement_dose_edit", args=[dose.pk]), **HTMX)
    assert re.search(rf'name="dose-{dose.pk}-calcium_mg"[^>]*value="250"', opened.content.decode())
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]),
        edit_data(dose, amount_mg="200", amount_basis="elemental", calcium_mg=calcium),
    )
    assert response.status_code == 302
    dose.refresh_from_db()
    assert (dose.product.amount_mg, dose.product.calcium_mg) == (200, kept)
    product.refresh_from_db()
    assert product.calcium_mg == 250  # the saved product and other days keep their label


def test_a_magnesium_tablets_calcium_is_checked_like_the_log_forms(client, dose):
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]),
        edit_data(dose, calcium_mg="9000"),
    )
    assert response.status_code == 422
    assert f'id="id_dose-{dose.pk}-calcium_mg_error"' in response.content.decode()
    dose.refresh_from_db()
    assert dose.product.calcium_mg == 0


def test_a_linked_dietitian_edits_a_clients_dose_and_a_stranger_gets_404(client, dose):
    dietitian = DietitianLinkFactory(client=dose.day.plan.owner).dietitian
    client.force_login(dietitian)
    response = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]), edit_data(dose, quantity="2")
    )
    assert response.status_code == 302
    assert f"/clients/{dose.day.plan.owner.pk}/" in response["Location"]
    dose.refresh_from_db()
    assert dose.quantity == 2
    assert SupplementDose.objects.get(pk=dose.pk).day.last_edited_by == dietitian
    client.force_login(ProfileFactory().user)
    stranger = client.post(
        reverse("plans:supplement_dose_update", args=[dose.pk]), edit_data(dose, quantity="3")
    )
    assert stranger.status_code == 404
