"""Writes for dietitian links: invitations, accepting or declining them, revoking, the
access log, and requests for a dietitian account.

Every check that decides whether a link is made lives here, not in the views, so the
same rules hold for the page, the code form and the tests.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import (
    INVITATION_VALID_DAYS,
    DietitianLink,
    DietitianRequest,
    Invitation,
    InvitationDirection,
    User,
)

# No 0/O, 1/I/L: the code is read aloud or copied from a screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# What a dietitian may do once linked; the acceptance page lists exactly these, worded for
# the person (LINK_ABILITIES) or for the dietitian (LINK_ABILITIES_FOR_DIETITIAN).
LINK_ABILITIES = (
    "see your plan (every day, meal and supplement) and your profile",
    "edit your plan: add, change and remove food and supplements on your days",
    "set a custom magnesium target for you, with a reason you will see",
    "leave notes on your days (shared notes you see; private notes only they see)",
)
LINK_ABILITIES_FOR_DIETITIAN = (
    "see their plan (every day, meal and supplement) and their profile",
    "edit their plan: add, change and remove food and supplements on their days",
    "set a custom magnesium target for them, with a reason they will see",
    "leave notes on their days (shared notes they see; private notes only you see)",
)
MAX_PENDING_INVITATIONS = 50

logger = logging.getLogger(__name__)


def link_abilities(
    *, can_edit_plans: bool, can_set_target: bool, for_dietitian: bool = False
) -> list[str]:
    """What a link with these rights lets the dietitian do, worded for the person or for the
    dietitian: seeing and notes always, editing and the target as the person allowed."""
    see, edit, target, notes = LINK_ABILITIES_FOR_DIETITIAN if for_dietitian else LINK_ABILITIES
    return [see, *([edit] if can_edit_plans else []), *([target] if can_set_target else []), notes]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_code(code: str) -> str:
    """What people type ("abcd-2345 ") to the stored form ("ABCD2345")."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _already_linked_problem(*, sender: User, email: str, direction: str) -> str | None:
    """Why inviting `email` is pointless: they are already linked with the sender, and
    accepting would only replace the rights the client chose. Rights are the client's to
    change, under Your dietitian (`link_rights_set`), not by a new invitation."""
    addressee = User.objects.filter(email__iexact=email).first()
    if addressee is None:
        return None
    to_client = direction == InvitationDirection.DIETITIAN_INVITES_CLIENT
    dietitian, client = (sender, addressee) if to_client else (addressee, sender)
    if not DietitianLink.objects.active().filter(dietitian=dietitian, client=client).exists():
        return None
    name = addressee.name
    if to_client:
        return f"{name} is already your client; they change what you may do under Your dietitian."
    return f"{name} is already your dietitian; change what they may do under Your dietitian."


@transaction.atomic
def invitation_create(
    *,
    sender: User,
    addressee_email: str,
    direction: str,
    can_edit_plans: bool = True,
    can_set_target: bool = True,
) -> tuple[Invitation, str]:
    """A new invitation and its URL token (returned once; only its hash is stored).

    `can_edit_plans` and `can_set_target` are the rights a person grants the dietitian they
    invite; a dietitian's invitation leaves them to the person, who chooses on accepting.
    A second unanswered invitation to the same address is refused: the first still works.
    """
    email = User.objects.normalize_email(addressee_email.strip()).lower()
    if direction == InvitationDirection.DIETITIAN_INVITES_CLIENT and not sender.is_dietitian:
        raise ValidationError("Only a dietitian can invite a client.")
    if direction not in InvitationDirection.values:
        raise ValidationError("Unknown kind of invitation.")
    if email == sender.email.lower():
        raise ValidationError({"addressee_email": "That is your own email address."})
    already = _already_linked_problem(sender=sender, email=email, direction=direction)
    if already:
        raise ValidationError({"addressee_email": already})
    # The sender's row lock queues two quick submits of the same form, so the second sees
    # the first's invitation below instead of making a duplicate.
    list(User.objects.select_for_update().filter(pk=sender.pk).values_list("pk", flat=True))
    now = timezone.now()
    waiting = Invitation.objects.filter(sender=sender, used_at__isnull=True, expires_at__gt=now)
    duplicate = waiting.filter(addressee_email=email, direction=direction).first()
    if duplicate is not None:
        sent, until = (
            timezone.localtime(duplicate.created_at),
            timezone.localtime(duplicate.expires_at),
        )
        raise ValidationError(
            {
                "addressee_email": (
                    f"You already invited {email} on {sent:%-d %b %Y}, and that invitation is "
                    f"still waiting for an answer (code {duplicate.code}, until {until:%-d %b %Y})."
                    f" They can answer it from the email or with the code."
                )
            }
        )
    pending = waiting.count()
    if pending >= MAX_PENDING_INVITATIONS:
        raise ValidationError(
            f"You have {pending} unanswered invitations; wait for some to be answered or expire."
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=token_hash(token),
        code=_new_code(),
        sender=sender,
        addressee_email=email,
        direction=direction,
        expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
        can_edit_plans=can_edit_plans,
        can_set_target=can_set_target,
    )
    invitation.full_clean()
    for _attempt in range(5):
        # A code collision is one in ~10^11 per pending code; retry rather than fail.
        try:
            with transaction.atomic():
                invitation.save()
            break
        except IntegrityError:
            invitation.pk = None
            invitation.code = _new_code()
    else:
        raise ValidationError("Could not make an invitation code; try again.")
    return invitation, token


def invitation_send(*, invitation: Invitation, accept_url: str) -> None:
    """The email to the addressee with the one-time link (and the code, as a fallback)."""
    sender = invitation.sender
    if invitation.direction == InvitationDirection.DIETITIAN_INVITES_CLIENT:
        subject = f"{sender.name}, dietitian, invites you to share your magnesium plan"
        ask = f"{sender.name} ({sender.email}) would like to look after your meal plan."
    else:
        subject = f"{sender.name} invites you to be their dietitian on mgplanner"
        ask = f"{sender.name} ({sender.email}) would like you to look after their meal plan."
    body = (
        f"{ask}\n\nOpen this link to see exactly what that allows, then accept or decline:\n"
        f"{accept_url}\n\nOr enter the code {invitation.code} under Your dietitian.\n"
        f"The invitation works once and expires on {invitation.expires_at:%d %b %Y}.\n"
    )
    send_mail(subject, body, None, [invitation.addressee_email])


@dataclass(frozen=True, slots=True)
class InvitationProblem:
    """Why someone cannot answer an invitation: a `code` to branch on and the person's message."""

    code: str  # "used", "expired", "other_address", "own", "not_dietitian"
    message: str

    @property
    def gone(self) -> bool:
        """Used or expired: no one can answer it any more (the page is a 410 Gone), unlike the
        wrong person answering a live invitation (a 403)."""
        return self.code in ("used", "expired")

    @classmethod
    def refused(cls, error: ValidationError) -> "InvitationProblem":
        """An answering service's refusal: the code it was raised with (the re-check under
        the row lock, `_refuse_unless_answerable`), else "refused"."""
        return cls(getattr(error, "code", None) or "refused", " ".join(error.messages))


def invitation_problem_of(invitation: Invitation, user: User) -> InvitationProblem | None:
    """Why `user` cannot answer this invitation, or None."""
    if invitation.used_at is not None:
        return InvitationProblem(
            "used", "This invitation has already been answered; it works once. Ask for a new one."
        )
    if invitation.expires_at <= timezone.now():
        return InvitationProblem(
            "expired", "This invitation has expired (they last 7 days). Ask for a new one."
        )
    if user.email.lower() != invitation.addressee_email.lower():
        return InvitationProblem(
            "other_address",
            f"This invitation was sent to another email address. Log in with the address "
            f"it was sent to; you are logged in as {user.email}.",
        )
    if invitation.sender_id == user.pk:
        return InvitationProblem(
            "own", "You sent this invitation; the person you invited answers it."
        )
    if (
        invitation.direction == InvitationDirection.CLIENT_INVITES_DIETITIAN
        and not user.is_dietitian
    ):
        return InvitationProblem(
            "not_dietitian",
            "This invitation is for a dietitian, and your account is not a dietitian account "
            "yet. Request one under Your dietitian; an admin approves it.",
        )
    return None


def _refuse_unless_answerable(invitation: Invitation, user: User) -> None:
    problem = invitation_problem_of(invitation, user)
    if problem is not None:
        raise ValidationError(problem.message, code=problem.code)


def _parties(invitation: Invitation, user: User) -> tuple[User, User]:
    """(dietitian, client) of the link this invitation would make."""
    if invitation.direction == InvitationDirection.DIETITIAN_INVITES_CLIENT:
        return invitation.sender, user
    return user, invitation.sender


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User,
    can_edit_plans: bool = True,
    can_set_target: bool = True,
) -> DietitianLink:
    """Link the two. A person accepting a dietitian's invitation grants `can_edit_plans` and
    `can_set_target` as they chose; a dietitian accepting a person's invitation gets the
    rights the person chose when inviting (the keywords are not theirs to give then).
    If the two are already linked, it is refused (code "linked") and the link keeps its
    rights: an invitation sent or answered before the client changed them under Your
    dietitian would otherwise undo that change, or widen the dietitian's access.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("sender").get(pk=invitation.pk)
    )
    _refuse_unless_answerable(invitation, user)
    dietitian, client = _parties(invitation, user)
    if not dietitian.is_dietitian:
        raise ValidationError("The sender is no longer a dietitian; nothing was linked.")
    if invitation.direction == InvitationDirection.CLIENT_INVITES_DIETITIAN:
        can_edit_plans, can_set_target = invitation.can_edit_plans, invitation.can_set_target
    now = timezone.now()
    link = (
        DietitianLink.objects.select_for_update()
        .filter(dietitian=dietitian, client=client, revoked_at__isnull=True)
        .first()
    )
    if link is not None and link.accepted_at is not None:
        if user.pk == client.pk:
            message = (
                f"{dietitian.name} is already your dietitian, so this invitation changes "
                f"nothing. Change what they may do under Your dietitian."
            )
        else:
            message = (
                f"{client.name} is already your client, so this invitation changes nothing; "
                f"they change what you may do under Your dietitian."
            )
        raise ValidationError(message, code="linked")
    if link is None:
        link = DietitianLink(
            dietitian=dietitian,
            client=client,
            accepted_at=now,
            can_edit_plans=can_edit_plans,
            can_set_target=can_set_target,
        )
        link.full_clean()
        link.save()
    else:
        # Live but never accepted: this is its first consent.
        link.accepted_at = now
        link.can_edit_plans, link.can_set_target = can_edit_plans, can_set_target
        link.save(update_fields=["accepted_at", "can_edit_plans", "can_set_target"])
    invitation.used_at = now
    invitation.accepted_link = link
    invitation.save(update_fields=["used_at", "accepted_link"])
    return link


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _refuse_unless_answerable(invitation, user)
    invitation.used_at = timezone.now()
    invitation.declined = True
    invitation.save(update_fields=["used_at", "declined"])
    return invitation


@transaction.atomic
def link_revoke(*, link: DietitianLink, by: User) -> DietitianLink:
    """End the link now; either party may (`link_end`)."""
    if by.pk not in (link.client_id, link.dietitian_id):
        raise ValidationError("Only the client or the dietitian can end this link.")
    return link_end(link=link)


@transaction.atomic
def link_end(*, link: DietitianLink) -> DietitianLink:
    """End the link now, whoever asks (one of the two, or an admin). The dietitian's next
    request is a 404; each one's plan uses their own copies of the other's recipes it named;
    every unanswered invitation between the two is closed, as accepting one would link them
    again with rights the client may have taken back since (a new invitation is new consent).
    One transaction; ending an ended link changes nothing."""
    link = DietitianLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        Invitation.objects.filter(used_at__isnull=True).filter(
            Q(
                sender_id=link.dietitian_id,
                addressee_email__iexact=link.client.email,
                direction=InvitationDirection.DIETITIAN_INVITES_CLIENT,
            )
            | Q(
                sender_id=link.client_id,
                addressee_email__iexact=link.dietitian.email,
                direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
            )
        ).update(used_at=link.revoked_at)
        # Inside the function, as accounts/data_rights.py: `accounts` imports no `plans`.
        from plans.recipe_services import recipes_handed_over_at_link_end

        # Neither may open the other's shared recipes now: their plans get their own copies.
        # Ending access must not fail for that: a copy refused by today's validation (an old
        # recipe) rolls back alone, is logged, and `manage.py repair_link_recipe_uses` can
        # hand it over once the recipe is mended.
        try:
            with transaction.atomic():
                recipes_handed_over_at_link_end(dietitian=link.dietitian, client=link.client)
        except ValidationError:
            logger.exception("recipes not handed over as link %s ended", link.pk)
    return link


@transaction.atomic
def link_rights_set(
    *, link: DietitianLink, by: User, can_edit_plans: bool, can_set_target: bool
) -> DietitianLink:
    """The client changes what their dietitian may do; it holds from the next request.

    Only the client may: a dietitian cannot widen their own access. Ended links stay as
    they ended (they are the history of who had access when).
    """
    link = DietitianLink.objects.select_for_update().get(pk=link.pk)
    if by.pk != link.client_id:
        raise ValidationError("Only the client chooses what their dietitian may do.")
    if not link.is_active:
        raise ValidationError("This access has ended; invite the dietitian again to share.")
    link.can_edit_plans, link.can_set_target = can_edit_plans, can_set_target
    link.save(update_fields=["can_edit_plans", "can_set_target"])
    return link


@transaction.atomic
def dietitian_request_create(*, user: User, message: str) -> DietitianRequest:
    message = message.strip()
    if user.is_dietitian:
        raise ValidationError("Your account is already a dietitian account.")
    if DietitianRequest.objects.filter(user=user, decided_at__isnull=True).exists():
        raise ValidationError("Your request is waiting for an admin.")
    if not message:
        raise ValidationError({"message": "Say who you are: qualification and registration."})
    request = DietitianRequest(user=user, message=message)
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def dietitian_request_decide(*, request: DietitianRequest, approved: bool) -> DietitianRequest:
    """An admin's answer; approving makes the account a dietitian account."""
    request = DietitianRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    if request.decided_at is not None:
        return request
    request.decided_at = timezone.now()
    request.approved = approved
    request.save(update_fields=["decided_at", "approved"])
    if approved and not request.user.is_dietitian:
        request.user.is_dietitian = True
        request.user.save(update_fields=["is_dietitian"])
    return request
