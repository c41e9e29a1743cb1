import pytest


@pytest.mark.django_db
def test_home_page_explains_the_product(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Plan meals around magnesium" in response.content.decode()


def test_health_answers_without_the_database(client):
    response = client.get("/health/")
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_htmx_is_served_locally(client):
    html = client.get("/").content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "unpkg" not in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_home_page_leads_a_visitor_to_sign_up_and_a_person_to_their_plan(client):
    from tests.factories import ProfileFactory

    assert 'href="/accounts/signup/"' in client.get("/").content.decode()
    client.force_login(ProfileFactory().user)
    html = client.get("/").content.decode()
    assert "Open this week&#39;s plan" in html or "Open this week's plan" in html
    assert 'href="/plan/"' in html


@pytest.mark.django_db
def test_the_plan_link_is_in_the_header_of_every_page_and_marks_the_plan_pages(client):
    from tests.factories import ProfileFactory

    client.force_login(ProfileFactory().user)
    foods = client.get("/foods/").content.decode()
    assert '<a href="/plan/">Plan</a>' in foods
    week = client.get("/plan/", follow=True).content.decode()
    assert '<a href="/plan/" aria-current="page">Plan</a>' in week


@pytest.mark.django_db
def test_every_page_names_its_icon_and_the_icon_is_a_static_file(client):
    import re
    from pathlib import Path

    from django.contrib.staticfiles import finders

    html = client.get("/").content.decode()
    found = re.search(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', html)
    assert found, "no icon link: browsers then ask for /favicon.ico, a 404 on every page"
    path = finders.find(found.group(1))
    assert path
    assert "<svg" in Path(path).read_text()


@pytest.mark.django_db
def test_pages_answer_head_as_they_answer_get(client):
    # Link checkers and uptime monitors ask with HEAD; a read-only page must not refuse it.
    from django.utils import timezone

    from tests.factories import ProfileFactory

    assert client.head("/").status_code == 200
    assert client.head("/foods/").status_code == 200
    client.force_login(ProfileFactory().user)
    day = client.head(f"/plan/day/{timezone.localdate().isoformat()}/")
    assert day.status_code == 200
    assert day.content == b""
    assert client.head("/health/").status_code == 200


@pytest.mark.django_db
def test_a_missing_page_is_the_apps_404_page_with_a_way_back(client):
    from tests.factories import ProfileFactory

    client.force_login(ProfileFactory().user)
    response = client.get("/plan/items/999999/edit/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'href="/plan/"' in html  # the header and a link back to the plan


@pytest.mark.django_db
def test_a_form_from_an_out_of_date_page_gets_the_apps_403_page():
    from django.test import Client

    from tests.factories import ProfileFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(ProfileFactory().user)
    day = "/plan/day/2026-11-26/notes/"
    plain = client.post(day, {"notes": "x", "csrfmiddlewaretoken": "stale"})
    assert plain.status_code == 403
    assert "This page was out of date" in plain.content.decode()
    assert "<h1>Nothing was saved</h1>" in plain.content.decode()
    htmx = client.post(day, {"notes": "x"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403
    assert htmx["HX-Refresh"] == "true"


def test_the_500_page_is_the_apps_own_and_needs_no_database():
    from django.test import RequestFactory
    from django.views import defaults

    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_a_visit_to_a_forms_address_is_a_page_saying_so(client):
    from tests.factories import ProfileFactory

    client.force_login(ProfileFactory().user)
    response = client.get("/plan/day/2026-11-28/notes/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "This address takes a form, not a visit" in html
    assert 'href="/plan/"' in html


@pytest.mark.django_db
def test_pages_with_a_form_answer_head_too(client):
    from tests.factories import ProfileFactory

    assert client.head("/accounts/signup/").status_code == 200
    client.force_login(ProfileFactory().user)
    for url in ("/accounts/profile/", "/accounts/profile/about/", "/accounts/dietitians/"):
        assert client.head(url).status_code == 200, url


def test_favicon_ico_leads_to_the_icon(client):
    """The admin's pages (Django's templates) name no icon, so browsers ask for /favicon.ico."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
