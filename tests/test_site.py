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
