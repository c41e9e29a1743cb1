"""Fixtures the plan tests share; a module that needs another shape defines its own of the
same name, which takes precedence."""

from collections.abc import Iterator
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import DietitianLink, User
from plans import services
from plans.models import Day
from plans.selectors import monday_of
from plans.swap_pool import clear_candidate_pool
from tests.factories import DietitianLinkFactory, ProfileFactory


@pytest.fixture
def person(client: Client) -> User:
    """A person with a finished profile, logged in on `client`."""
    profile = ProfileFactory()
    client.force_login(profile.user)
    return profile.user


@pytest.fixture
def day(person: User) -> Day:
    """Today in the person's plan, with its four empty meals."""
    return services.day_get_or_create(user=person, on=timezone.localdate(), editor=person)


@pytest.fixture
def monday() -> date:
    return monday_of(timezone.localdate())


@pytest.fixture
def link() -> DietitianLink:
    """A dietitian and the client who accepted them."""
    return DietitianLinkFactory()


@pytest.fixture
def fresh_candidate_pool() -> Iterator[None]:
    # The pool is cached per process by food-data version; rolled-back tests can repeat one.
    clear_candidate_pool()
    yield
    clear_candidate_pool()
