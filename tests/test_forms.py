"""mgplanner/forms.py: the helpers views use to read ids and report service errors."""

from decimal import Decimal

import pytest
from django.utils import timezone

from mgplanner.forms import DecimalField, parse_id
from tests.factories import ProfileFactory

HUGE = "9" * 5000  # past Python's 4,300-digit int() limit, which raises ValueError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        ("007", 7),
        (None, None),
        ("", None),
        ("-3", None),
        ("4.5", None),
        ("9" * 18, 10**18 - 1),
        ("9" * 19, None),
        (HUGE, None),
    ],
)
def test_parse_id_reads_ids_and_refuses_everything_else(value, expected):
    assert parse_id(value) == expected


@pytest.mark.django_db
def test_a_huge_id_in_a_query_is_ignored_not_a_500(client):
    # Found by the fuzzer: int() of a 4,301-digit value raised inside the views.
    client.force_login(ProfileFactory().user)
    day = f"/plan/day/{timezone.localdate().isoformat()}/"
    assert (
        client.get(day, {"meal": HUGE, "food": HUGE, "edit": HUGE, "undo": HUGE}).status_code == 200
    )
    fill_accept = f"{day}fill/accept/"
    response = client.post(
        fill_accept,
        {"count": "1", "meal-0": HUGE, "food-0": HUGE, "portions-0": HUGE, "grams-0": "28"},
    )
    assert response.status_code == 422


def test_form_widgets_render_with_jinja2_and_the_admins_widgets_with_django_templates():
    from django.contrib.admin.widgets import AdminDateWidget
    from django.forms.renderers import get_default_renderer
    from django.template.backends.django import Template as DjangoTemplate
    from django.template.backends.jinja2 import Template as JinjaTemplate

    renderer = get_default_renderer()
    assert isinstance(renderer.get_template("django/forms/widgets/text.html"), JinjaTemplate)
    admin_widget = "admin/widgets/date.html"
    assert isinstance(renderer.get_template(admin_widget), DjangoTemplate)
    assert 'class="vDateField"' in AdminDateWidget().render("on", None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e9", "less than or equal to 1000"),  # also 10 digits: that message is dropped
        ("0.001", "Enter how many, above 0."),
        ("1.23456", "no more than 3 decimal places"),
    ],
)
def test_a_bad_decimal_gets_one_message(value, message):
    from django import forms

    class Form(forms.Form):
        how_many = DecimalField(
            min_value=Decimal("0.01"),
            max_value=Decimal(1000),
            max_digits=7,
            decimal_places=3,
            error_messages={"min_value": "Enter how many, above 0."},
        )

    form = Form({"how_many": value})
    assert not form.is_valid()
    assert len(form.errors["how_many"]) == 1
    assert message in form.errors["how_many"][0]
