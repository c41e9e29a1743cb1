"""Dietitian links: who is whose client, invitations, revoking, the access log."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.link_services import (
    InvitationProblem,
    dietitian_request_create,
    dietitian_request_decide,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_problem_of,
    link_revoke,
    link_rights_set,
    token_hash,
)
from accounts.models import (
    AccessLog,
    DietitianLink,
    DietitianRequest,
    Invitation,
    InvitationDirection,
)
from accounts.selectors import client_get_for, clients_of, is_linked
from plans.models import Plan, Recipe
from tests.factories import (
    DayFactory,
    DietitianFactory,
    DietitianLinkFactory,
    MealFactory,
    PlanFactory,
    ProfileFactory,
    RecipeFactory,
    UserFactory,
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


def test_a_link_on_hold_shares_no_recipes_either_way() -> None:
    """Access on hold (the dietitian flag withdrawn) opens nothing: not the client's shared
    recipes to the former dietitian (read, duplicate, plan), nor theirs to the client."""
    link = DietitianLinkFactory()
    theirs = RecipeFactory(owner=link.client, shared=True)
    his = RecipeFactory(owner=link.dietitian, shared=True)
    assert set(Recipe.objects.visible_to(link.dietitian)) == {theirs, his}
    link.dietitian.is_dietitian = False
    link.dietitian.save()
    assert list(Recipe.objects.visible_to(link.dietitian)) == [his]
    assert list(Recipe.objects.visible_to(link.client)) == [theirs]


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


# ---------------------------------------------------------------- invitations


def _logged_in(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


@pytest.fixture
def dietitian():
    return DietitianFactory()


@pytest.fixture
def person():
    return ProfileFactory(user__email="ana@example.org").user


def _invite(dietitian, email="ana@example.org"):
    return invitation_create(
        sender=dietitian,
        addressee_email=email,
        direction=InvitationDirection.DIETITIAN_INVITES_CLIENT,
    )


def test_only_the_hash_of_the_token_is_stored_and_the_code_is_short(dietitian) -> None:
    invitation, token = _invite(dietitian, "Ana@Example.org ")
    assert invitation.token_hash == token_hash(token) != token
    assert len(invitation.code) == 8
    assert invitation.code.isalnum()
    assert invitation.addressee_email == "ana@example.org"
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - timedelta(days=7)) < timedelta(seconds=5)


def test_a_person_cannot_invite_as_a_dietitian(person) -> None:
    with pytest.raises(ValidationError):
        _invite(person, "someone@example.org")


def test_the_invitation_page_lists_the_abilities_and_accepting_links(
    client, dietitian, person
) -> None:
    invitation, token = _invite(dietitian)
    client.force_login(person)
    url = reverse("accounts:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for ability in ("see your plan", "edit your plan", "set a custom magnesium target", "notes"):
        assert ability in text
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 302
    assert is_linked(dietitian, person)
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert invitation.accepted_link is not None


def test_an_invitation_works_once(client, dietitian, person) -> None:
    invitation, token = _invite(dietitian)
    invitation_decline(invitation=invitation, user=person)
    client.force_login(person)
    url = reverse("accounts:invitation", args=[token])
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 410
    assert "already been answered" in response.content.decode()
    assert not is_linked(dietitian, person)


def test_an_accepted_invitation_cannot_be_accepted_again(dietitian, person) -> None:
    invitation, _ = _invite(dietitian)
    invitation_accept(invitation=invitation, user=person)
    with pytest.raises(ValidationError, match="works once"):
        invitation_accept(invitation=invitation, user=person)
    assert DietitianLink.objects.filter(dietitian=dietitian, client=person).count() == 1


def test_an_invitation_expires_after_7_days(client, dietitian, person) -> None:
    invitation, token = _invite(dietitian)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(person)
    response = client.post(reverse("accounts:invitation", args=[token]), {"answer": "accept"})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not is_linked(dietitian, person)


def test_an_invitation_is_bound_to_its_addressee(client, dietitian, person) -> None:
    invitation, token = _invite(dietitian)
    intruder = ProfileFactory(user__email="eve@example.org").user
    client.force_login(intruder)
    url = reverse("accounts:invitation", args=[token])
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 403
    assert "sent to another email address" in response.content.decode()
    assert not clients_of(dietitian).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None  # still usable by its addressee
    assert _logged_in(person).post(url, {"answer": "accept"}).status_code == 302
    assert list(clients_of(dietitian)) == [person]


def test_only_a_used_or_expired_invitation_is_gone(dietitian, person) -> None:
    invitation, _ = _invite(dietitian)
    assert invitation_problem_of(invitation, person) is None
    intruder = ProfileFactory(user__email="eve@example.org").user
    wrong = invitation_problem_of(invitation, intruder)
    assert (wrong.code, wrong.gone) == ("other_address", False)
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    expired = invitation_problem_of(invitation, person)
    assert (expired.code, expired.gone) == ("expired", True)
    invitation.used_at = timezone.now()
    used = invitation_problem_of(invitation, person)
    assert (used.code, used.gone) == ("used", True)
    assert "works once" in used.message


def test_an_invitation_answered_meanwhile_is_refused_as_gone(dietitian, person) -> None:
    """The page read the invitation before another tab answered it: the service's re-check
    under the row lock refuses, and its refusal says the invitation is gone (410)."""
    invitation, _ = _invite(dietitian)
    stale = Invitation.objects.get(pk=invitation.pk)
    invitation_decline(invitation=invitation, user=person)
    with pytest.raises(ValidationError) as refused:
        invitation_accept(invitation=stale, user=person)
    problem = InvitationProblem.refused(refused.value)
    assert (problem.code, problem.gone) == ("used", True)
    assert "works once" in problem.message
    assert not InvitationProblem.refused(ValidationError("No.")).gone


def test_a_live_invitation_for_a_dietitian_is_forbidden_to_a_non_dietitian(client, person) -> None:
    other = ProfileFactory().user
    _, token = invitation_create(
        sender=person,
        addressee_email=other.email,
        direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
    )
    client.force_login(other)
    response = client.post(reverse("accounts:invitation", args=[token]), {"answer": "accept"})
    assert response.status_code == 403
    assert "not a dietitian account" in response.content.decode()


def test_an_unknown_token_is_404(client, person) -> None:
    client.force_login(person)
    assert client.get(reverse("accounts:invitation", args=["nope"])).status_code == 404


def test_the_code_opens_the_same_invitation(client, dietitian, person) -> None:
    invitation, _ = _invite(dietitian)
    client.force_login(person)
    typed = f"{invitation.code[:4].lower()}-{invitation.code[4:]}"
    response = client.post(reverse("accounts:invitation_code"), {"code": typed})
    assert response.url == reverse("accounts:invitation_by_code", args=[invitation.code])
    client.post(response.url, {"answer": "accept"})
    assert is_linked(dietitian, person)


def test_a_wrong_code_is_422_with_a_field_error(client, person) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:invitation_code"), {"code": "ZZZZ9999"})
    assert response.status_code == 422
    assert "No invitation has that code" in response.content.decode()


def test_a_person_invites_a_dietitian_by_email(client, dietitian, person) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:dietitian_invite"), {"email": dietitian.email})
    assert response.status_code == 302
    invitation = Invitation.objects.get(sender=person)
    assert invitation.direction == InvitationDirection.CLIENT_INVITES_DIETITIAN
    (message,) = mail.outbox
    assert message.to == [dietitian.email]
    assert invitation.code in message.body
    token = message.body.split("/accounts/invitations/")[1].split("/")[0]
    accept = _logged_in(dietitian).post(
        reverse("accounts:invitation", args=[token]), {"answer": "accept"}
    )
    assert accept.url == reverse("clients:list")
    assert list(clients_of(dietitian)) == [person]


def test_inviting_a_non_dietitian_links_nothing(client, person) -> None:
    other = ProfileFactory().user
    invitation, _ = invitation_create(
        sender=person,
        addressee_email=other.email,
        direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
    )
    with pytest.raises(ValidationError, match="not a dietitian account"):
        invitation_accept(invitation=invitation, user=other)


def test_inviting_yourself_is_a_field_error(client, person) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:dietitian_invite"), {"email": person.email})
    assert response.status_code == 422
    assert "your own email address" in response.content.decode()


# ---------------------------------------------------------------- revoking and the log


def test_revoking_ends_access_on_the_next_request(client, dietitian, person) -> None:
    invitation, _ = _invite(dietitian)
    link = invitation_accept(invitation=invitation, user=person)
    day = DayFactory(plan__owner=person, date=timezone.localdate())
    meal = MealFactory(day=day)
    as_dietitian = _logged_in(dietitian)
    day_url = reverse("clients:day", args=[person.pk, day.date.isoformat()])
    assert as_dietitian.get(day_url).status_code == 200
    client.force_login(person)
    page = client.get(reverse("accounts:dietitians"))
    assert dietitian.name in page.content.decode()
    response = client.post(reverse("accounts:dietitian_revoke", args=[link.pk]))
    assert response.status_code == 302
    assert as_dietitian.get(day_url).status_code == 404
    rename = reverse("plans:meal_rename", args=[meal.pk])
    assert as_dietitian.post(rename, {f"meal-{meal.pk}-name": "X"}).status_code == 404


def test_someone_elses_link_cannot_be_revoked(client) -> None:
    link = DietitianLinkFactory()
    client.force_login(ProfileFactory().user)
    assert client.post(reverse("accounts:dietitian_revoke", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_dietitian_can_end_the_link_too() -> None:
    link = DietitianLinkFactory()
    link_revoke(link=link, by=link.dietitian)
    assert not is_linked(link.dietitian, link.client)


def test_views_and_edits_are_logged_and_shown_to_the_client(client) -> None:
    link = DietitianLinkFactory()
    person, dietitian = link.client, link.dietitian
    on = timezone.localdate().isoformat()
    as_dietitian = _logged_in(dietitian)
    as_dietitian.get(reverse("clients:day", args=[person.pk, on]))
    as_dietitian.post(reverse("clients:day_notes", args=[person.pk, on]), {"notes": "More nuts"})
    entries = list(AccessLog.objects.filter(client=person).order_by("at", "id"))
    assert [(e.dietitian, e.action) for e in entries] == [
        (dietitian, "view"),
        (dietitian, "edit"),
    ]
    assert entries[1].path == reverse("clients:day_notes", args=[person.pk, on])
    # The person's own visits are not logged.
    client.force_login(person)
    client.get(reverse("plans:day", args=[on]))
    assert AccessLog.objects.filter(client=person).count() == 2
    page = client.get(reverse("accounts:dietitians")).content.decode()
    assert "Who looked at your plan" in page
    assert dietitian.name in page
    assert "Edited" in page


# ---------------------------------------------------------------- dietitian accounts


def test_requesting_a_dietitian_account_and_admin_approval(client, person) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:dietitian_request"), {"message": "RD 12345"})
    assert response.status_code == 302
    request = DietitianRequest.objects.get(user=person)
    with pytest.raises(ValidationError, match="waiting"):
        dietitian_request_create(user=person, message="again")
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    admin_client = _logged_in(admin_user)
    changelist = reverse("admin:accounts_dietitianrequest_changelist")
    admin_client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    person.refresh_from_db()
    request.refresh_from_db()
    assert person.is_dietitian
    assert request.approved is True


def test_refusing_an_approved_request_changes_nothing_and_says_so(person) -> None:
    request = dietitian_request_create(user=person, message="RD 12345")
    dietitian_request_decide(request=request, approved=True)
    admin_client = _logged_in(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:accounts_dietitianrequest_changelist")
    response = admin_client.post(
        changelist, {"action": "refuse", "_selected_action": [request.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Refused 0 requests. 1 had already been answered and was left as it was." in html
    request.refresh_from_db()
    person.refresh_from_db()
    assert request.approved is True
    assert person.is_dietitian


def test_a_refused_request_leaves_the_account_as_it_was(person) -> None:
    request = dietitian_request_create(user=person, message="RD 1")
    dietitian_request_decide(request=request, approved=False)
    person.refresh_from_db()
    assert not person.is_dietitian


def test_an_empty_request_is_422(client, person) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:dietitian_request"), {"message": "  "})
    assert response.status_code == 422


# ---------------------------------------------------------------- what the link allows


def test_the_person_chooses_on_accepting_what_the_dietitian_may_do(
    client, dietitian, person
) -> None:
    _, token = _invite(dietitian)
    client.force_login(person)
    url = reverse("accounts:invitation", args=[token])
    page = client.get(url).content.decode()
    # Both offered, ticked by default.
    assert re.search(r'<input type="checkbox" name="can_edit_plans"[^>]* checked', page)
    assert re.search(r'<input type="checkbox" name="can_set_target"[^>]* checked', page)
    # An unticked box is absent from the POST, as a browser sends it.
    client.post(url, {"answer": "accept", "can_set_target": "on"})
    link = DietitianLink.objects.get(dietitian=dietitian, client=person)
    assert (link.can_edit_plans, link.can_set_target) == (False, True)


def test_accepting_by_the_service_keeps_the_default_rights(dietitian, person) -> None:
    invitation, _ = _invite(dietitian)
    link = invitation_accept(invitation=invitation, user=person)
    assert (link.can_edit_plans, link.can_set_target) == (True, True)


def test_a_person_chooses_when_inviting_what_the_dietitian_may_do(
    client, dietitian, person
) -> None:
    client.force_login(person)
    response = client.post(
        reverse("accounts:dietitian_invite"), {"email": dietitian.email, "can_edit_plans": "on"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(sender=person)
    assert (invitation.can_edit_plans, invitation.can_set_target) == (True, False)
    # The dietitian's page says what this link will allow, and offers no choice.
    as_dietitian = _logged_in(dietitian)
    url = reverse("accounts:invitation_by_code", args=[invitation.code])
    page = as_dietitian.get(url).content.decode()
    assert "edit their plan: add, change" in page
    assert "set a custom magnesium target for them" not in page
    assert "has not allowed you to set their target" in page
    assert 'name="can_set_target"' not in page
    # Whatever the dietitian posts, the person's choice holds.
    as_dietitian.post(url, {"answer": "accept", "can_set_target": "on"})
    link = DietitianLink.objects.get(dietitian=dietitian, client=person)
    assert (link.can_edit_plans, link.can_set_target) == (True, False)


def test_the_person_changes_the_rights_later_and_they_hold_at_once(client) -> None:
    link = DietitianLinkFactory()
    person, dietitian = link.client, link.dietitian
    meal = MealFactory(day=DayFactory(plan__owner=person, date=timezone.localdate()))
    rename = reverse("plans:meal_rename", args=[meal.pk])
    as_dietitian = _logged_in(dietitian)
    client.force_login(person)
    page = client.get(reverse("accounts:dietitians")).content.decode()
    assert f'action="{reverse("accounts:dietitian_rights", args=[link.pk])}"' in page
    assert re.search(rf'name="link-{link.pk}-can_edit_plans"[^>]* checked', page)

    response = client.post(
        reverse("accounts:dietitian_rights", args=[link.pk]),
        {f"link-{link.pk}-can_set_target": "on"},
        follow=True,
    )
    assert f"Saved: {dietitian.name} may not edit your plan and may set your target." in (
        response.content.decode()
    )
    link.refresh_from_db()
    assert (link.can_edit_plans, link.can_set_target) == (False, True)
    assert as_dietitian.post(rename, {f"meal-{meal.pk}-name": "Brunch"}).status_code == 404
    page = client.get(reverse("accounts:dietitians")).content.decode()
    assert not re.search(rf'name="link-{link.pk}-can_edit_plans"[^>]* checked', page)
    # "They can:" lists what the link allows now.
    assert "<li>edit your plan: add, change" not in page
    assert "<li>set a custom magnesium target for you" in page

    client.post(
        reverse("accounts:dietitian_rights", args=[link.pk]),
        {f"link-{link.pk}-can_edit_plans": "on", f"link-{link.pk}-can_set_target": "on"},
    )
    assert as_dietitian.post(rename, {f"meal-{meal.pk}-name": "Brunch"}).status_code == 302


def test_only_the_client_changes_the_rights() -> None:
    link = DietitianLinkFactory(can_edit_plans=False)
    url = reverse("accounts:dietitian_rights", args=[link.pk])
    granted = {f"link-{link.pk}-can_edit_plans": "on", f"link-{link.pk}-can_set_target": "on"}
    assert _logged_in(link.dietitian).post(url, granted).status_code == 404
    assert _logged_in(ProfileFactory().user).post(url, granted).status_code == 404
    link_revoke(link=link, by=link.client)
    assert _logged_in(link.client).post(url, granted).status_code == 404
    link.refresh_from_db()
    assert link.can_edit_plans is False
    with pytest.raises(ValidationError, match="Only the client"):
        link_rights_set(link=link, by=link.dietitian, can_edit_plans=True, can_set_target=True)


def test_a_dietitian_whose_role_was_withdrawn_is_not_listed_as_seeing_the_plan(client) -> None:
    link = DietitianLinkFactory()
    link.dietitian.is_dietitian = False
    link.dietitian.save()
    client.force_login(link.client)
    page = client.get(reverse("accounts:dietitians")).content.decode()
    who_can_see = page.split('id="links-title"')[1].split("Access on hold")[0]
    assert "No dietitian can see your plan." in who_can_see
    assert link.dietitian.name not in who_can_see
    on_hold = page.split("Access on hold")[1].split("</section>")[0]
    assert f"{link.dietitian.name}</strong>" in on_hold
    assert "no longer has a dietitian account" in on_hold
    # The person can still end it for good, so it cannot come back with the role.
    assert reverse("accounts:dietitian_revoke", args=[link.pk]) in on_hold
    client.post(reverse("accounts:dietitian_revoke", args=[link.pk]))
    link.refresh_from_db()
    assert link.revoked_at is not None


# ---------------------------------------------------------------- pending invitations


def test_a_second_unanswered_invitation_to_the_same_address_is_refused(
    client, dietitian, person
) -> None:
    first, _ = _invite(dietitian)
    with pytest.raises(
        ValidationError, match=re.escape("already invited ana@example.org")
    ) as refused:
        _invite(dietitian, "ANA@example.org")
    assert first.code in str(refused.value)
    client.force_login(dietitian)
    response = client.post(reverse("clients:invite"), {"email": "ana@example.org"})
    assert response.status_code == 422
    field_error = response.content.decode().split('id="id_email_error"', 1)[1].split("</ul>")[0]
    assert "already invited ana@example.org" in field_error
    assert Invitation.objects.filter(sender=dietitian).count() == 1
    # Once the first is answered (or expired), a new one may be sent.
    invitation_decline(invitation=first, user=person)
    _invite(dietitian)
    assert Invitation.objects.filter(sender=dietitian).count() == 2


def test_a_person_cannot_send_the_same_dietitian_two_waiting_invitations(client, person) -> None:
    client.force_login(person)
    url = reverse("accounts:dietitian_invite")
    assert client.post(url, {"email": "dee@example.org"}).status_code == 302
    response = client.post(url, {"email": "dee@example.org"})
    assert response.status_code == 422
    assert "already invited dee@example.org" in response.content.decode()
    assert Invitation.objects.filter(sender=person).count() == 1


def test_a_non_dietitian_is_not_offered_to_answer_an_invitation_for_a_dietitian(
    client, person
) -> None:
    other = ProfileFactory(user__display_name="Bo").user
    invitation, _ = invitation_create(
        sender=person,
        addressee_email=other.email,
        direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
    )
    client.force_login(other)
    page = client.get(reverse("accounts:dietitians")).content.decode()
    received = page.split('id="received-title"')[1].split("</section>")[0]
    assert "invites you to be their dietitian" in received
    assert reverse("accounts:invitation_by_code", args=[invitation.code]) not in received
    assert "you can answer once your account is a dietitian account" in received
    # Once an admin makes the account a dietitian account, it can be answered.
    other.is_dietitian = True
    other.save()
    page = client.get(reverse("accounts:dietitians")).content.decode()
    assert reverse("accounts:invitation_by_code", args=[invitation.code]) in page
