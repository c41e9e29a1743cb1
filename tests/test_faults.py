"""Faults: the database going away (503 page, then recovery) and an interrupted food load."""

import json
from pathlib import Path

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.db.models.query import QuerySet
from django.test import RequestFactory

from foods.models import Food, FoodDataLoad, Portion
from foods.services import food_data_load
from mgplanner.views import server_error
from tests.factories import FoodFactory

FOOD_FIXTURES = Path(__file__).parent / "foods" / "fixtures"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a PostgreSQL server connection"
)


def break_every_query(monkeypatch) -> None:
    def execute(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "_execute", execute)


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "briefly unavailable" in html
    assert "Nothing you saved" in html
    assert "Traceback" not in html
    assert "OperationalError" not in html


# ---- a database error inside a view, simulated on any database ----


@pytest.mark.django_db
def test_a_database_error_is_a_503_page_and_the_next_request_works(client, monkeypatch):
    FoodFactory(description="Oats, rolled")
    break_every_query(monkeypatch)
    assert_unavailable_page(client.get("/foods/?q=oats"))

    monkeypatch.undo()
    response = client.get("/foods/?q=oats")
    assert response.status_code == 200
    assert "Oats, rolled" in response.content.decode()


@pytest.mark.django_db
def test_readiness_follows_the_database_and_liveness_does_not(client, monkeypatch):
    assert client.get("/health/ready/").json() == {"status": "ok", "database": "ok"}
    break_every_query(monkeypatch)
    ready = client.get("/health/ready/")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert client.get("/health/").status_code == 200


def test_handler500_turns_a_database_error_outside_a_view_into_the_503_page():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert_unavailable_page(response)


def test_handler500_leaves_other_errors_a_500():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


# ---- the real thing on PostgreSQL: connections killed, server unreachable ----


def wsgi_get(path: str) -> tuple[int, str]:
    """Through Django's WSGI handler, whose request signals close or health-check
    connections exactly as under gunicorn (the test client switches them off)."""
    environ = RequestFactory().get(path).environ
    statuses: list[str] = []
    body = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        content = b"".join(body).decode()
    finally:
        body.close()
    return int(statuses[0].split()[0]), content


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_is_replaced_without_an_error():
    FoodFactory(description="Oats, rolled")
    assert wsgi_get("/foods/?q=oats")[0] == 200
    old_pid = connection.connection.info.backend_pid

    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        autocommit=True,
    ) as admin:
        killed = admin.execute("SELECT pg_terminate_backend(%s)", [old_pid]).fetchone()[0]
    assert killed

    status, html = wsgi_get("/foods/?q=oats")
    assert status == 200
    assert "Oats, rolled" in html
    assert connection.connection.info.backend_pid != old_pid


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_unreachable_server_is_a_503_until_it_is_back(monkeypatch):
    FoodFactory(description="Oats, rolled")
    connection.close()
    # Nothing listens on port 1: every connection attempt is refused, as with a stopped server.
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    status, html = wsgi_get("/foods/?q=oats")
    assert status == 503
    assert "briefly unavailable" in html
    assert "Traceback" not in html
    assert wsgi_get("/health/ready/")[0] == 503
    assert wsgi_get("/health/")[0] == 200

    monkeypatch.undo()
    status, html = wsgi_get("/foods/?q=oats")
    assert status == 200
    assert "Oats, rolled" in html
    assert wsgi_get("/health/ready/")[0] == 200


# ---- an interrupted food load ----


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    out = tmp_path / "foods.jsonl"
    call_command(
        "build_food_data",
        str(FOOD_FIXTURES / "sr28_small"),
        ifct=str(FOOD_FIXTURES / "ifct_small" / "index.csv"),
        curation=str(FOOD_FIXTURES / "curation_small"),
        out=str(out),
        verbosity=0,
    )
    return out


def food_tables() -> tuple[list, list, list]:
    return (
        list(Food.objects.order_by("pk").values()),
        list(Portion.objects.order_by("pk").values()),
        list(FoodDataLoad.objects.order_by("pk").values()),
    )


def changed_every_food(path: Path) -> None:
    """A new release of the file: every food's magnesium and portions differ."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, foods = lines[0], [json.loads(line) for line in lines[1:]]
    for food in foods:
        food["magnesium_mg_per_100g"] += 1.0
        food["portions"] = food["portions"][:1]
    path.write_text("\n".join([header, *map(json.dumps, foods)]) + "\n", encoding="utf-8")


class Interrupted(Exception):
    pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fail_at", ["portion batch", "load record"])
def test_an_interrupted_food_load_leaves_the_previous_data(small_file, monkeypatch, fail_at):
    food_data_load(path=small_file)
    before = food_tables()
    assert len(before[0]) == 12
    changed_every_food(small_file)

    if fail_at == "portion batch":
        # The first batch of new portions is written, then the process dies.
        real_bulk_create = QuerySet.bulk_create

        def bulk_create(self, objs, *args, **kwargs):
            if self.model is Portion:
                real_bulk_create(self, list(objs)[:5], *args, **kwargs)
                raise Interrupted("killed after the first portion batch")
            return real_bulk_create(self, objs, *args, **kwargs)

        monkeypatch.setattr(QuerySet, "bulk_create", bulk_create)
    else:
        # Every food and portion written; only the record of the load is left.
        def create(**kwargs):
            raise Interrupted("killed before the load was recorded")

        monkeypatch.setattr(FoodDataLoad.objects, "create", create)

    with pytest.raises(Interrupted):
        food_data_load(path=small_file)
    assert food_tables() == before

    monkeypatch.undo()
    result = food_data_load(path=small_file)
    assert result.updated == 12
    assert FoodDataLoad.objects.count() == 2
