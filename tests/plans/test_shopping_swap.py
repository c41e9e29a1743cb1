"""The shopping list's answers to htmx: a good range sends the form along out of band, so
the errors of a refused range before it go; a refused range still answers 422 at the form."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def query(days: int) -> dict[str, str]:
    start = timezone.localdate()
    return {"start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat()}


def test_a_good_range_swaps_the_list_and_sends_the_form_without_errors(client, person):
    html = client.get(reverse("shopping:list"), query(6), **HTMX).content.decode()
    # The list first (the request's target), then the form, out of band.
    assert html.index('<div id="shopping-list">') < html.index('id="shopping-range"')
    form = html[html.index("<form") : html.index("</form>")]
    assert 'hx-swap-oob="true"' in form
    assert "error-summary" not in form
    assert 'aria-invalid="true"' not in form
    assert f'value="{query(6)["end"]}"' in form
    assert "<h1>" not in html  # a fragment, not the page


def test_a_refused_range_answers_422_at_the_form_with_its_focus_target(client, person):
    response = client.get(reverse("shopping:list"), query(40), **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#shopping-range"
    html = response.content.decode()
    assert "A shopping list covers at most 31 days." in html
    # app.js puts focus on the summary the form's data-focus names.
    assert 'data-focus="shopping-errors"' in html
    assert '<div id="shopping-errors" tabindex="-1"' in html
    # The form is the target here, not out of band; the emptied list is.
    form = html[html.index("<form") : html.index("</form>")]
    assert 'hx-swap-oob="true"' not in form


def test_back_to_a_list_gets_the_whole_page(client, person):
    response = client.get(
        reverse("shopping:list"), query(6), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    html = response.content.decode()
    assert "<h1>Shopping list</h1>" in html
    assert 'hx-swap-oob="true"' not in html
    assert html.count('id="shopping-range"') == 1
