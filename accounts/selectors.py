"""Reads for accounts: a person's profile, and the engine's view of it on a given day."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.access_pages import Page, page_of
from accounts.models import AccessLog, DietitianLink, DietitianRequest, Invitation, Profile, User
from mgplanner.prepared import PreparedQuery

if TYPE_CHECKING:
    from plans.targets import Person, Target


# Read on every planner request: compiled once (mgplanner/prepared.py).
_PROFILE = PreparedQuery(lambda user: Profile.objects.filter(user_id=user), user=int)


def profile_for(*, user: User) -> Profile:
    """The person's profile, or an unsaved empty one.

    Accounts made outside sign-up (createsuperuser, the admin) have no profile row until
    they first save the wizard; reading must not write, so this does not create one.
    Who set a custom target is read only where one is shown (one query then): joining the
    dietitian on every planner request cost about 3 % of a day page.
    """
    found = _PROFILE(user=user.pk)
    return found[0] if found else Profile(user=user)


def is_onboarded(*, user: User) -> bool:
    # A session's user comes with the answer (accounts/backends.py): no query then.
    onboarded = getattr(user, "onboarded", None)
    if onboarded is not None:
        return onboarded
    return Profile.objects.filter(user=user, onboarded_at__isnull=False).exists()


def person_on(profile: Profile, day: date) -> "Person":
    """What the scoring engine needs to know about this person on `day`.

    Pregnancy counts from its start to the due date, both inclusive; lactation from its
    start to its end inclusive, or on indefinitely while the end is blank.
    """
    from plans.targets import Person, age_on, custom_target_in_force

    if profile.date_of_birth is None or not profile.sex:
        raise ValueError("The profile needs a date of birth and a sex before it has a target.")
    pregnant = (
        profile.pregnant_from is not None
        and profile.pregnant_until is not None
        and profile.pregnant_from <= day <= profile.pregnant_until
    )
    lactating = (
        profile.lactating_from is not None
        and profile.lactating_from <= day
        and (profile.lactating_until is None or day <= profile.lactating_until)
    )
    return Person(
        sex=str(profile.sex),
        age_years=age_on(profile.date_of_birth, day),
        pregnant=pregnant,
        lactating=lactating,
        ckd_stage=profile.ckd_stage,
        medications=frozenset(str(name) for name in profile.medications),
        target_mg=_custom_mg(custom_target_in_force(custom_target_history(profile), day)),
    )


def custom_target_history(profile: Profile) -> list[dict[str, Any]]:
    """The profile's custom targets over time (`Profile.custom_target_history`).

    A custom target stored without a history (set before there was one: the data migration
    gives those theirs, but a row written by hand may lack it) applies always, as it did.
    """
    if profile.custom_target_history or profile.custom_target_mg is None:
        return profile.custom_target_history
    return [
        {
            "from": None,
            "mg": profile.custom_target_mg,
            "reason": profile.custom_target_reason,
            "by": profile.custom_target_set_by_id,
        }
    ]


def _custom_mg(entry: Mapping[str, Any] | None) -> int | None:
    return None if entry is None else entry["mg"]


def target_on(profile: Profile, day: date) -> "Target | None":
    """The person's target on `day`, or None while the profile lacks a date of birth or sex."""
    from plans.targets import target_for

    if profile.date_of_birth is None or not profile.sex:
        return None
    return target_for(person_on(profile, day))


def target_periods(profile: Profile, start: date, end: date) -> list[tuple[date, date, str]]:
    """The target line of each run of days from `start` to `end` with the same target: a
    birthday, a pregnancy or a breastfeeding period, or a custom target set or cleared inside
    the range changes it, and each day is scored against its own. Empty while the profile
    lacks a date of birth or sex. The names of who set the custom targets shown cost one
    query at most, as one custom target's did."""
    from plans.targets import custom_target_in_force

    history = custom_target_history(profile)
    runs: list[tuple[date, date, Target, Mapping[str, Any] | None]] = []
    on = start
    while on <= end:
        target = target_on(profile, on)
        if target is None:
            return []
        entry = custom_target_in_force(history, on) if target.source == "custom" else None
        if runs and runs[-1][2:] == (target, entry):
            runs[-1] = (runs[-1][0], on, target, entry)
        else:
            runs.append((on, on, target, entry))
        on += timedelta(days=1)
    names = _setter_names(profile, (entry["by"] for *_, entry in runs if entry))
    periods: list[tuple[date, date, str]] = []
    for first, last, target, entry in runs:
        line = _line(target, entry, names)
        # Two targets with one line (a custom target across a change of upper limit) are one.
        if periods and periods[-1][2] == line:
            periods[-1] = (periods[-1][0], last, line)
        else:
            periods.append((first, last, line))
    return periods


def target_line_of(profile: Profile, target: "Target", *, on: date | None = None) -> str:
    """`plans.targets.target_line` with the dietitian who set a custom target and their
    reason (a query for the dietitian's name, only for a custom target).

    The custom target is the entry of the history in force `on` that day, or without a day
    the latest with the target's mg: a past day shows the reason it was scored with.
    """
    from plans.targets import custom_target_in_force, target_line

    if target.source != "custom":
        return target_line(target)
    history = custom_target_history(profile)
    entry = custom_target_in_force(history, on) if on is not None else None
    if entry is None or entry["mg"] != target.target_mg:
        entry = next((e for e in reversed(history) if e["mg"] == target.target_mg), None)
    names = _setter_names(profile, [entry["by"]] if entry else [])
    return _line(target, entry, names)


def custom_target_changes(profile: Profile) -> list[str]:
    """The custom target's history in words, newest first, for the profile and the
    dietitian's tools page: "From 23 Nov 2026: 400 mg, set by Dr Ada Vale — Cramps.",
    "From 26 Nov 2026: back to the RDA, by Ana.". Empty without a history. Names cost one
    query at most (`_setter_names`); a deleted account is "a dietitian" or "someone"."""
    history = custom_target_history(profile)
    names = _setter_names(profile, (entry["by"] for entry in history))
    lines = []
    for entry in reversed(history):
        start = entry["from"]
        since = "Always" if start is None else f"From {date.fromisoformat(start):%-d %b %Y}"
        by = names.get(entry["by"])
        if entry["mg"] is None:
            lines.append(f"{since}: back to the RDA{f', by {by}' if by else ''}.")
        else:
            reason = f" — {entry['reason']}" if entry["reason"] else ""
            lines.append(f"{since}: {entry['mg']} mg, set by {by or 'a dietitian'}{reason}.")
    return lines


def _line(target: "Target", entry: Mapping[str, Any] | None, names: dict[int, str]) -> str:
    from plans.targets import target_line

    if entry is None:
        return target_line(target)
    return target_line(target, set_by=names.get(entry["by"]), reason=entry["reason"])


def _setter_names(profile: Profile, user_pks: Iterable[int | None]) -> dict[int, str]:
    """The names of the users `user_pks`, in one query at most: the current setter through
    the profile's foreign key (read once, then kept on the profile, as before targets had a
    history), others (and the current one, when not yet read) in one query together. An id
    of a deleted account has no name: the line says "a dietitian"."""
    wanted = {pk for pk in user_pks if pk is not None}
    names: dict[int, str] = {}
    current = profile.custom_target_set_by_id
    if current in wanted and (len(wanted) == 1 or Profile.custom_target_set_by.is_cached(profile)):
        setter = profile.custom_target_set_by
        if setter is not None:
            names[setter.pk] = setter.name
        wanted.discard(current)
    if wanted:
        names.update((user.pk, user.name) for user in User.objects.filter(pk__in=wanted))
    return names


def roles_of(user: User) -> list[str]:
    """Everyone is a person; dietitian and admin are added roles."""
    roles = ["person"]
    if user.is_dietitian:
        roles.append("dietitian")
    if user.is_staff or user.is_superuser:
        roles.append("admin")
    return roles


# ---------------------------------------------------------------- dietitians and clients


def clients_of(dietitian: User) -> QuerySet[User]:
    """The people who have an active link to `dietitian` (none unless they are a dietitian)."""
    if not getattr(dietitian, "is_authenticated", False) or not dietitian.is_dietitian:
        return User.objects.none()
    return User.objects.filter(
        dietitian_links__in=DietitianLink.objects.active().filter(dietitian=dietitian)
    ).distinct()


def is_linked(dietitian: User, client: User) -> bool:
    """True while `client` has an accepted, unrevoked link to `dietitian`."""
    return clients_of(dietitian).filter(pk=client.pk).exists()


def client_get_for(*, dietitian: User, pk: int) -> User:
    """The client `pk` of `dietitian`; Http404 without an active link (existence not revealed)."""
    client = clients_of(dietitian).select_related("profile").filter(pk=pk).first()
    if client is None:
        raise Http404("No such client.")
    return client


def link_get_for(*, dietitian: User, client: User) -> DietitianLink | None:
    """The active link between them, or None: what the dietitian was granted."""
    return DietitianLink.objects.active().filter(dietitian=dietitian, client=client).first()


def party_link_get_for(*, user: User, pk: int) -> DietitianLink:
    """An active link `user` is a party to (client or dietitian); any other link is a 404,
    so a link id reveals nothing about links between other people.
    """
    return get_object_or_404(
        DietitianLink.objects.active()
        .filter(Q(client=user) | Q(dietitian=user))
        .select_related("dietitian", "client"),
        pk=pk,
    )


def client_link_get_for(*, client: User, pk: int) -> DietitianLink:
    """An active link of which `client` is the client: only they change its rights. Any
    other link, the dietitian's side of it included, is a 404."""
    return get_object_or_404(
        DietitianLink.objects.active().filter(client=client).select_related("dietitian"), pk=pk
    )


def dietitian_links_of(*, client: User) -> QuerySet[DietitianLink]:
    """The person's active links, with their dietitians: the "Your dietitian" section.

    A link whose dietitian is no longer a dietitian account opens nothing (`clients_of`)
    but is still live: were the role given back, access would resume. The page shows those
    apart (`DietitianLink.dietitian.is_dietitian`) so the person can end them for good.
    """
    return DietitianLink.objects.active().filter(client=client).select_related("dietitian")


def access_log_of(*, client: User, limit: int = 100) -> list[tuple[AccessLog, Page]]:
    """Who looked at or changed the person's data, newest first, each with the page it was
    on named for the person (`page_of`: from the path alone, no query per row)."""
    entries = AccessLog.objects.filter(client=client).select_related("dietitian")[:limit]
    return [(entry, page_of(entry.path)) for entry in entries]


def invitation_by_token(token: str) -> "Invitation | None":
    from accounts.link_services import token_hash

    return Invitation.objects.select_related("sender").filter(token_hash=token_hash(token)).first()


def invitation_by_code(code: str) -> "Invitation | None":
    from accounts.link_services import normalize_code

    code = normalize_code(code)
    if not code:
        return None
    return Invitation.objects.select_related("sender").filter(code=code).first()


def invitations_received(*, user: User) -> QuerySet["Invitation"]:
    """Unanswered, unexpired invitations addressed to the user's email."""
    from django.utils import timezone

    return Invitation.objects.select_related("sender").filter(
        addressee_email__iexact=user.email, used_at__isnull=True, expires_at__gt=timezone.now()
    )


def invitations_sent(*, user: User) -> QuerySet["Invitation"]:
    """The user's invitations still waiting for an answer."""
    from django.utils import timezone

    return Invitation.objects.filter(
        sender=user, used_at__isnull=True, expires_at__gt=timezone.now()
    )


def dietitian_request_pending(*, user: User) -> "DietitianRequest | None":
    return DietitianRequest.objects.filter(user=user, decided_at__isnull=True).first()
