"""Reads for accounts: a person's profile, and the engine's view of it on a given day."""

from datetime import date
from typing import TYPE_CHECKING

from accounts.models import Profile, User

if TYPE_CHECKING:
    from plans.targets import Person, Target


def profile_for(*, user: User) -> Profile:
    """The person's profile, or an unsaved empty one.

    Accounts made outside sign-up (createsuperuser, the admin) have no profile row until
    they first save the wizard; reading must not write, so this does not create one.
    """
    profile = Profile.objects.filter(user=user).select_related("custom_target_set_by").first()
    return profile if profile is not None else Profile(user=user)


def is_onboarded(*, user: User) -> bool:
    return Profile.objects.filter(user=user, onboarded_at__isnull=False).exists()


def person_on(profile: Profile, day: date) -> "Person":
    """What the scoring engine needs to know about this person on `day`.

    Pregnancy counts from its start to the due date, both inclusive; lactation from its
    start to its end inclusive, or on indefinitely while the end is blank.
    """
    from plans.targets import Person, age_on

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
        target_mg=profile.custom_target_mg,
    )


def target_on(profile: Profile, day: date) -> "Target | None":
    """The person's target on `day`, or None while the profile lacks a date of birth or sex."""
    from plans.targets import target_for

    if profile.date_of_birth is None or not profile.sex:
        return None
    return target_for(person_on(profile, day))


def roles_of(user: User) -> list[str]:
    """Everyone is a person; dietitian and admin are added roles."""
    roles = ["person"]
    if user.is_dietitian:
        roles.append("dietitian")
    if user.is_staff or user.is_superuser:
        roles.append("admin")
    return roles
