"""Fixtures the food tests share."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


@pytest.fixture
def editor(client):
    """A food editor (staff in the "Food editors" group), logged in on `client`."""
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Food editors"))
    client.force_login(user)
    return user
