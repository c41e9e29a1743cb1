"""Deployment: check --deploy under production settings, structured logs, the optional
Redis cache and sessions, and gunicorn serving hashed, compressed static files."""

import gc
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from mgplanner.logging import JsonFormatter, TextFormatter

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "mgplanner.example.org",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_COOKIES": "1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Our own variables only: a developer's shell may have DJANGO_* set for other work.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ---- security settings ----


def test_check_deploy_is_clean_under_production_settings():
    completed = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout


def test_check_deploy_fails_with_development_defaults():
    completed = manage("check", "--deploy", "--fail-level", "WARNING", env={})
    assert completed.returncode != 0
    assert "security.W018" in completed.stderr  # DEBUG on
    assert "security.W008" in completed.stderr  # no HTTPS redirect


# ---- structured logs ----


def test_json_formatter_writes_one_object_with_the_extras():
    record = logging.LogRecord("mgplanner.request", logging.INFO, __file__, 1, "request", (), None)
    record.path = "/plan/"
    record.status = 200
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "mgplanner.request"
    assert (entry["message"], entry["path"], entry["status"]) == ("request", "/plan/", 200)
    assert entry["time"].endswith("+00:00")


def test_json_formatter_keeps_the_exception_on_the_same_line():
    try:
        raise ValueError("bad grams")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: bad grams" in entry["exception"]


def test_settings_log_json_lines_to_stderr_so_command_output_stays_pure_json():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["stream"] == "ext://sys.stderr"
    assert settings.LOGGING["formatters"][handler["formatter"]]["()"].endswith("JsonFormatter")


def test_text_formatter_keeps_the_extras_readable():
    record = logging.LogRecord("mgplanner.request", logging.INFO, __file__, 1, "request", (), None)
    record.method, record.path, record.status, record.duration_ms = "GET", "/plan/", 200, 20.7
    record.request = object()  # Django attaches its request: no use in a line of text
    line = TextFormatter().format(record)
    assert line.endswith(
        "INFO mgplanner.request request method=GET path=/plan/ status=200 duration_ms=20.7"
    )
    assert "object at" not in line


# A request that Django logs a warning for (a 404), made in a fresh process with DEBUG on
# (as `make run` does), so the logging settings are the ones a developer gets.
NOT_FOUND = (
    "from django.test import Client; Client(raise_request_exception=False).get('/no-such-page/')"
)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_with_debug_on_each_warning_is_logged_once_in_the_chosen_format(log_format):
    env = {
        "DJANGO_DEBUG": "true",
        "DJANGO_LOG_FORMAT": log_format,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    completed = manage("shell", "-c", NOT_FOUND, env=env)
    assert completed.returncode == 0, completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert sum("/no-such-page/" in line and "Not Found" in line for line in lines) == 1
    if log_format == "json":
        assert all(json.loads(line) for line in lines)  # no plain-text line between them
    else:
        assert any("path=/no-such-page/ status=404" in line for line in lines)


@pytest.mark.django_db
def test_each_request_is_logged_with_method_path_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="mgplanner.request"):
        client.get("/foods/?q=oats")
    (record,) = [r for r in caplog.records if r.name == "mgplanner.request"]
    assert (record.method, record.path, record.status) == ("GET", "/foods/", 200)
    assert record.duration_ms > 0


def test_health_checks_are_logged_below_info(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="mgplanner.request"):
        client.get("/health/")
    (record,) = [r for r in caplog.records if r.name == "mgplanner.request"]
    assert record.levelno == logging.DEBUG


DATABASE_OPTIONS_PROBE = """
from django.conf import settings
print(settings.DATABASES["default"]["OPTIONS"])
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {},
            "{'server_side_binding': True, 'prepare_threshold': 5, "
            "'options': '-c random_page_cost=1.1'}",
        ),
        ({"DJANGO_DB_PREPARED": "0"}, "{'options': '-c random_page_cost=1.1'}"),
        (
            {"DJANGO_DB_PREPARED": "0", "DJANGO_DB_RANDOM_PAGE_COST": "2"},
            "{'options': '-c random_page_cost=2.0'}",
        ),
        ({"DJANGO_DB_PREPARED": "0", "DJANGO_DB_RANDOM_PAGE_COST": ""}, "{}"),
        # Options given in DATABASE_URL itself are kept.
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused?sslmode=prefer"},
            "{'sslmode': 'prefer', 'server_side_binding': True, 'prepare_threshold': 5, "
            "'options': '-c random_page_cost=1.1'}",
        ),
    ],
)
def test_postgresql_connection_options_follow_the_environment(env, expected):
    """Prepared statements and the planner's page cost, each on by default."""
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused", **env}
    completed = manage("shell", "-v", "0", "-c", DATABASE_OPTIONS_PROBE, env=env)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == expected


@pytest.mark.django_db
def test_the_page_cost_reaches_the_postgresql_session():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


# ---- Redis cache and sessions ----


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_reachable() and not os.environ.get("CI"),
    reason="no Redis on 127.0.0.1:6379 (CI requires it)",
)

REDIS_PROBE = """
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
import redis

cache.set("deploy-test", {"grams": 28.35}, 30)
print(settings.CACHES["default"]["BACKEND"])
print(settings.IMPORT_EXPORT_TMP_STORAGE_CLASS)
print(cache.get("deploy-test"))
session = SessionStore()
session["day"] = "2026-01-05"
session.create()
print(SessionStore(session_key=session.session_key).load())
client = redis.Redis.from_url(settings.REDIS_URL)
keys = list(client.scan_iter("mgplanner:*"))
print(len(keys) >= 2)
client.delete(*keys)
"""


@needs_redis
def test_redis_url_switches_the_cache_and_sessions_can_live_there():
    completed = manage(
        "shell",
        "-v",
        "0",
        "-c",
        REDIS_PROBE,
        env={"REDIS_URL": REDIS_URL, "DJANGO_SESSION_ENGINE": "cache"},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "django.core.cache.backends.redis.RedisCache",
        "import_export.tmp_storages.CacheStorage",
        "{'grams': 28.35}",
        "{'day': '2026-01-05'}",
        "True",
    ]


def test_without_redis_url_the_cache_is_per_process_and_sessions_in_the_database():
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert settings.SESSION_ENGINE == "accounts.sessions"
    assert not hasattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS")


# ---- gunicorn with whitenoise, as `make serve` runs it ----


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    return urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback


def test_gunicorn_serves_health_and_hashed_compressed_static_files(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_MANIFEST_STATIC": "1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_LOG_LEVEL": "DEBUG",
    }
    collected = manage("collectstatic", "--noinput", "-v", "0", env=env)
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    css = manifest["paths"]["css/app.css"]
    assert css != "css/app.css"

    port = free_port()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "gunicorn", "mgplanner.wsgi",
             "--config", "python:mgplanner.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             "--workers", "1"],
            cwd=ROOT, env={**base_env, **env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    health = get(f"{base}/health/")
                    break
                except OSError:
                    assert server.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, "gunicorn did not answer"
                    time.sleep(0.2)
            assert json.load(health) == {"status": "ok"}
            # An empty SQLite file still answers SELECT 1.
            assert json.load(get(f"{base}/health/ready/"))["database"] == "ok"
            static = get(f"{base}/static/{css}", {"Accept-Encoding": "gzip"})
            assert static.headers["Content-Encoding"] == "gzip"
            # Hashed names never change content, so browsers may keep them for good.
            assert "immutable" in static.headers["Cache-Control"]
        finally:
            server.terminate()
            server.wait(timeout=20)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    paths = {(entry.get("path"), entry.get("status")) for entry in lines}
    assert ("/health/", 200) in paths
    assert ("/health/ready/", 200) in paths
    # The worker warmed up before its first request; on this database without tables the
    # candidate pool is left to its first use, which is said, and the worker serves anyway.
    assert "candidate pool not built at start" in {entry.get("message") for entry in lines}


@pytest.mark.django_db
def test_a_worker_warms_up_before_its_first_request():
    from django.template import engines

    from mgplanner.startup import warm_up
    from plans import swap_pool

    swap_pool.clear_candidate_pool()
    environment = engines["jinja2"].env
    environment.cache.clear()
    try:
        warm_up()
        assert swap_pool._cached is not None
        assert len(environment.cache) == len(environment.list_templates())
        # What the process keeps for good is out of the cyclic collector's way.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        swap_pool.clear_candidate_pool()


def test_every_variable_the_settings_read_is_in_env_example_and_the_readme():
    """.env.example says it lists every variable; the README's configuration table too."""
    settings_source = (ROOT / "mgplanner" / "settings.py").read_text()
    names = set(
        re.findall(r'(?:environ\.get|env_bool|env_list|env_int)\(\s*"([A-Z_]+)"', settings_source)
    )
    assert {"DATABASE_URL", "DJANGO_DB_RANDOM_PAGE_COST"} <= names
    example = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    readme = (ROOT / "README.md").read_text()
    assert sorted(names - example) == []
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
