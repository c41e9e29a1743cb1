import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from mgplanner.jinja2 import csrf
from plans.models import Meal
from tests.factories import MealItemFactory, ProfileFactory

TOKENS = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_csrf_is_masked_once_per_render() -> None:
    request = RequestFactory().get("/")
    context = csrf(request)
    first = str(context["csrf_input"])
    assert first == str(context["csrf_input"])
    assert TOKENS.search(first).group(1) == str(context["csrf_token"])
    assert context["csrf_input"].__html__() == first


def test_csrf_token_is_not_made_until_printed() -> None:
    # A page without a form must not set the CSRF cookie (get_token marks it as used).
    request = RequestFactory().get("/")
    csrf(request)
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META


@pytest.mark.django_db
def test_day_page_prints_one_valid_token_in_every_form(client) -> None:
    profile = ProfileFactory()
    client.force_login(profile.user)
    today = timezone.localdate()
    client.get(reverse("plans:day", args=[today.isoformat()]))
    meal = Meal.objects.filter(day__plan__owner=profile.user).first()
    MealItemFactory.create_batch(3, meal=meal)
    response = client.get(reverse("plans:day", args=[today.isoformat()]))
    html = response.content.decode()
    tokens = TOKENS.findall(html)
    assert len(tokens) > 5
    assert len(set(tokens)) == 1
    assert f'"x-csrftoken": "{tokens[0]}"' in html
    secret = client.cookies["csrftoken"].value
    assert _unmask_cipher_token(tokens[0]) == secret
