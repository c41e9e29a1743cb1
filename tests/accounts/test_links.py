"""Dietitian links: who is whose client, invitations, revoking, the access log."""

import pytest
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone

from accounts.models import DietitianLink
from accounts.selectors import client_get_for, clients_of, is_linked
from plans.models import Plan
from tests.factories import (
    DietitianFactory,
    DietitianLinkFactory,
    PlanFactory,
    ProfileFactory,
)

pytestmark = pytest.mark.django_db


def test_active_link_makes_a_client() -> None:
    link = DietitianLinkFactory()
    assert list(clients_of(link.dietitian)) == [link.client]
    assert is_linked(link.dietitian, link.client)
    assert client_get_for(dietitian=link.dietitian, pk=link.client.pk) == link.client


@pytest.mark.parametrize("state", ["pending", "revoked"])
def test_pending_or_revoked_link_gives_no_client(state: str) -> None:
    fields = {"accepted_at": None} if state == "pending" else {"revoked_at": timezone.now()}
    link = DietitianLinkFactory(**fields)
    assert not clients_of(link.dietitian).exists()
    with pytest.raises(Http404):
        client_get_for(dietitian=link.dietitian, pk=link.client.pk)


def test_a_dietitian_whose_role_was_withdrawn_sees_no_clients() -> None:
    link = DietitianLinkFactory()
    link.dietitian.is_dietitian = False
    link.dietitian.save()
    assert not is_linked(link.dietitian, link.client)


def test_plan_visible_to_owner_and_linked_dietitian_only() -> None:
    link = DietitianLinkFactory()
    plan = PlanFactory(owner=link.client)
    stranger = DietitianFactory()
    assert list(Plan.objects.visible_to(link.client)) == [plan]
    assert list(Plan.objects.visible_to(link.dietitian)) == [plan]
    assert not Plan.objects.visible_to(stranger).exists()
    assert not Plan.objects.visible_to(ProfileFactory().user).exists()


def test_one_live_link_per_pair() -> None:
    link = DietitianLinkFactory()
    with pytest.raises(IntegrityError):
        DietitianLink.objects.create(dietitian=link.dietitian, client=link.client)
