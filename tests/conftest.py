from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Argon2 is deliberately slow; tests that create users would spend most of their time
    # hashing. Production keeps Argon2 (settings.PASSWORD_HASHERS); tests of hashing itself
    # set it back explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Each test starts with nothing cached (pages, food groups, foods kept in the process),
    # as after a deploy: what one test wrote without replacing a stamp must not show in the
    # next (SQLite hands a rolled-back test's primary keys out again).
    from foods.selectors import KEPT_FOODS

    cache.clear()
    KEPT_FOODS.clear()
