"""An invitation between two people already linked changes nothing: inviting is refused,
and accepting one sent before the link does not replace the rights the client chose."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.link_services import invitation_accept, invitation_create
from accounts.models import DietitianLink, Invitation, InvitationDirection
from tests.factories import DietitianFactory, DietitianLinkFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


@pytest.fixture
def dietitian():
    return DietitianFactory(display_name="Dr Dee")


@pytest.fixture
def ana():
    return ProfileFactory(user__email="ana@example.org", user__display_name="Ana").user


def _email_error(response) -> str:
    page = html.unescape(response.content.decode())
    parts = page.split('id="id_email_error"', 1)
    assert len(parts) == 2, "no error on the email field"
    return parts[1].split("</ul>", 1)[0]


def _rights(dietitian, client) -> tuple[bool, bool]:
    link = DietitianLink.objects.active().get(dietitian=dietitian, client=client)
    return link.can_edit_plans, link.can_set_target


def test_inviting_your_active_client_is_a_422_on_the_email(dietitian, ana) -> None:
    DietitianLinkFactory(dietitian=dietitian, client=ana, can_edit_plans=False)
    response = _as(dietitian).post(reverse("clients:invite"), {"email": "ANA@example.org"})
    assert response.status_code == 422
    assert (
        "Ana is already your client; they change what you may do under Your dietitian."
        in _email_error(response)
    )
    assert not Invitation.objects.filter(sender=dietitian).exists()
    assert _rights(dietitian, ana) == (False, True)


def test_a_former_client_or_another_dietitians_client_may_be_invited(dietitian, ana) -> None:
    DietitianLinkFactory(dietitian=dietitian, client=ana, revoked_at=timezone.now())
    DietitianLinkFactory(client=ana)  # a colleague's client
    response = _as(dietitian).post(reverse("clients:invite"), {"email": ana.email})
    assert response.status_code == 302
    assert Invitation.objects.filter(sender=dietitian, addressee_email=ana.email).exists()


def test_a_person_inviting_their_own_dietitian_is_a_422_on_the_email(dietitian, ana) -> None:
    DietitianLinkFactory(dietitian=dietitian, client=ana)
    response = _as(ana).post(reverse("accounts:dietitian_invite"), {"email": dietitian.email})
    assert response.status_code == 422
    assert "Dr Dee is already your dietitian; change what they may do under Your dietitian." in (
        _email_error(response)
    )
    assert not Invitation.objects.filter(sender=ana).exists()


def _dietitians_invitation_sent_before_the_link(dietitian, ana) -> tuple[Invitation, str]:
    """Dr Dee invites Ana; before she answers, they link the other way, and Ana allows
    neither editing nor a target."""
    invitation, token = invitation_create(
        sender=dietitian,
        addressee_email=ana.email,
        direction=InvitationDirection.DIETITIAN_INVITES_CLIENT,
    )
    DietitianLinkFactory(
        dietitian=dietitian, client=ana, can_edit_plans=False, can_set_target=False
    )
    return invitation, token


def test_accepting_an_invitation_from_your_dietitian_keeps_the_rights(dietitian, ana) -> None:
    invitation, token = _dietitians_invitation_sent_before_the_link(dietitian, ana)
    url = reverse("accounts:invitation", args=[token])
    response = _as(ana).post(
        url, {"answer": "accept", "can_edit_plans": "on", "can_set_target": "on"}
    )
    page = html.unescape(response.content.decode())
    assert "This invitation cannot be used" in page
    assert "Dr Dee is already your dietitian, so this invitation changes nothing." in page
    assert _rights(dietitian, ana) == (False, False)
    assert DietitianLink.objects.filter(dietitian=dietitian, client=ana).count() == 1
    invitation.refresh_from_db()
    assert invitation.used_at is None  # still there to decline
    with pytest.raises(ValidationError) as refused:
        invitation_accept(invitation=invitation, user=ana)
    assert refused.value.code == "linked"


def test_accepting_an_invitation_from_your_dietitian_is_a_422(dietitian, ana) -> None:
    _, token = _dietitians_invitation_sent_before_the_link(dietitian, ana)
    response = _as(ana).post(reverse("accounts:invitation", args=[token]), {"answer": "accept"})
    assert response.status_code == 422


def test_a_dietitian_accepting_an_old_invitation_cannot_widen_the_rights(dietitian, ana) -> None:
    """Ana invited Dr Dee with both rights, then (linked another way) allowed neither: the
    old invitation does not give them back."""
    invitation, _ = invitation_create(
        sender=ana,
        addressee_email=dietitian.email,
        direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
    )
    DietitianLinkFactory(
        dietitian=dietitian, client=ana, can_edit_plans=False, can_set_target=False
    )
    url = reverse("accounts:invitation_by_code", args=[invitation.code])
    response = _as(dietitian).post(url, {"answer": "accept"})
    page = html.unescape(response.content.decode())
    assert (
        "Ana is already your client, so this invitation changes nothing; they change what you "
        "may do under Your dietitian." in page
    )
    assert _rights(dietitian, ana) == (False, False)


def test_a_first_invitation_still_links_with_the_rights_chosen(dietitian, ana) -> None:
    invitation, _ = invitation_create(
        sender=dietitian,
        addressee_email=ana.email,
        direction=InvitationDirection.DIETITIAN_INVITES_CLIENT,
    )
    link = invitation_accept(
        invitation=invitation, user=ana, can_edit_plans=False, can_set_target=True
    )
    assert (link.can_edit_plans, link.can_set_target) == (False, True)


def test_ending_a_link_closes_the_invitations_between_the_two(dietitian, ana) -> None:
    """Ana invited Dr Dee with both rights, then linked another way with neither, then ended
    the link: her old invitation must not link them again with the rights she took back."""
    from accounts.link_services import link_revoke

    old, token = invitation_create(
        sender=ana,
        addressee_email=dietitian.email,
        direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
    )
    link = DietitianLinkFactory(
        dietitian=dietitian, client=ana, can_edit_plans=False, can_set_target=False
    )
    other = DietitianFactory()
    unrelated, _ = invitation_create(
        sender=ana, addressee_email=other.email, direction=old.direction
    )
    link_revoke(link=link, by=ana)

    old.refresh_from_db()
    assert old.used_at is not None
    response = _as(dietitian).post(
        reverse("accounts:invitation", args=[token]), {"answer": "accept"}
    )
    assert response.status_code == 410
    assert not DietitianLink.objects.active().filter(dietitian=dietitian, client=ana).exists()
    unrelated.refresh_from_db()
    assert unrelated.used_at is None  # another dietitian's invitation is not theirs to close


def test_the_admin_ends_a_link_through_the_service_and_cannot_edit_it(
    dietitian, ana, admin_client
) -> None:
    from plans.models import MealRecipe
    from tests.factories import MealFactory, MealRecipeFactory, RecipeFactory

    link = DietitianLinkFactory(dietitian=dietitian, client=ana)
    shared = RecipeFactory(owner=dietitian, shared=True, name="Dal")
    used = MealRecipeFactory(meal=MealFactory(day__plan__owner=ana), recipe=shared)
    change = reverse("admin:accounts_dietitianlink_change", args=[link.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="revoked_at' not in page  # read-only: no giving access back by hand
    assert 'name="can_edit_plans"' not in page  # the rights are the client's
    # Nor deleted: that would skip link_end (her recipes would follow his edits).
    assert "/delete/" not in page
    delete = reverse("admin:accounts_dietitianlink_delete", args=[link.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    listing = admin_client.get(reverse("admin:accounts_dietitianlink_changelist"))
    assert "delete_selected" not in listing.content.decode()
    assert DietitianLink.objects.filter(pk=link.pk, revoked_at__isnull=True).exists()

    response = admin_client.post(
        reverse("admin:accounts_dietitianlink_changelist"),
        {"action": "end_links", "_selected_action": [link.pk]},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    used = MealRecipe.objects.get(pk=used.pk)
    assert used.recipe_id != shared.pk  # her own copy, as when she ends it herself
    assert used.recipe.owner_id == ana.pk
