"""Both invite forms (a person's "Your dietitian" page and the dietitian's client list)
show invitation_create's errors the same way: on the email field when the service names it."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.link_forms import InviteForm, apply_invitation_error
from tests.factories import DietitianFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


@pytest.mark.parametrize(
    ("make_user", "url_name"),
    [
        (lambda: ProfileFactory().user, "accounts:dietitian_invite"),
        (DietitianFactory, "clients:invite"),
    ],
)
def test_inviting_yourself_is_an_error_on_the_email_field(make_user, url_name) -> None:
    user = make_user()
    response = _as(user).post(reverse(url_name), {"email": user.email})
    html = response.content.decode()
    assert response.status_code == 422
    field_errors = html.split('id="id_email_error"', 1)
    assert len(field_errors) == 2, "the error is not on the email field"
    assert "your own email address" in field_errors[1].split("</ul>", 1)[0]


def test_an_error_the_service_does_not_tie_to_a_field_goes_on_top_of_the_form() -> None:
    form = InviteForm({"email": "a@b.org"})
    assert form.is_valid()
    apply_invitation_error(form, ValidationError("Only a dietitian can invite a client."))
    assert form.non_field_errors() == ["Only a dietitian can invite a client."]
    assert "email" not in form.errors
