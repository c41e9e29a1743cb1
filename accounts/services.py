"""Writes for accounts: sign-up and the nutrition profile. Each is one transaction."""

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access_log import access_change_record
from accounts.models import Exclusion, Medication, Profile, Sex, User

# The fields a person sets about themselves. The custom target is not here on purpose:
# only a linked dietitian sets it, through its own service; the person may only drop it
# (`custom_target_drop`).
PROFILE_FIELDS = frozenset(
    {
        "date_of_birth",
        "sex",
        "pregnant_from",
        "pregnant_until",
        "lactating_from",
        "lactating_until",
        "ckd_stage",
        "medications",
        "diet",
        "exclusions",
        "kcal_goal",
    }
)

# The engine refuses under 1 year (there is no RDA, only an adequate intake: IOM 1997).
MIN_AGE_YEARS = 1
MAX_AGE_YEARS = 120
KCAL_GOAL_MIN = 800
KCAL_GOAL_MAX = 6000
KCAL_GOAL_MESSAGE = (
    f"An energy goal must be between {KCAL_GOAL_MIN} and {KCAL_GOAL_MAX} kcal a day."
)
# A generous bound: 42 weeks is post-term; counting from the last period adds about two.
MAX_PREGNANCY = timedelta(weeks=45)

DUPLICATE_EMAIL = (
    "An account with this email address already exists. Log in or reset your password."
)


def user_sign_up(*, email: str, password: str, display_name: str) -> User:
    """Create a person's account and their empty profile together, or nothing.

    Raises ValidationError keyed by `email`, `display_name` and `password`.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    candidate = User(email=email, display_name=display_name.strip())
    errors: dict[str, list[str]] = {}
    try:
        # Uniqueness is checked below with a friendlier message than the model's.
        candidate.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if email and User.objects.filter(email__iexact=email).exists():
        errors.setdefault("email", []).append(DUPLICATE_EMAIL)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, display_name=candidate.display_name
            )
            Profile.objects.create(user=user)
    except IntegrityError as error:
        # Two sign-ups for one address at the same moment: the unique index decides.
        raise ValidationError({"email": [DUPLICATE_EMAIL]}) from error
    return user


def _list_of_choices(value: Any, allowed: list[str], noun: str) -> tuple[list[str], list[str]]:
    """Deduplicate and sort a list of choice values; report each value the model does not know."""
    if not isinstance(value, list | tuple | set | frozenset):
        return [], [f"Give the {noun}s as a list."]
    unknown = sorted({str(item) for item in value if item not in allowed})
    problems = [f"Unknown {noun}: “{item}”." for item in unknown]
    return sorted({str(item) for item in value}), problems


def profile_problems(profile: Profile, *, today: date) -> dict[str, list[str]]:
    """The rules a profile must keep beyond its field types, keyed by field."""
    from plans.targets import age_on

    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    born = profile.date_of_birth
    if born is not None:
        if born > today:
            add("date_of_birth", "The date of birth cannot be in the future.")
        elif age_on(born, today) < MIN_AGE_YEARS:
            add(
                "date_of_birth",
                "The planner is for people aged 1 year and over: under 1 there is no RDA, "
                "only an adequate intake.",
            )
        elif age_on(born, today) > MAX_AGE_YEARS:
            add("date_of_birth", "Check the date of birth: it is more than 120 years ago.")

    pregnancy_given = profile.pregnant_from is not None or profile.pregnant_until is not None
    lactation_given = profile.lactating_from is not None or profile.lactating_until is not None
    if profile.sex != Sex.FEMALE:
        if pregnancy_given:
            add("pregnant_from", "Pregnancy applies only when sex is female.")
        if lactation_given:
            add("lactating_from", "Breastfeeding applies only when sex is female.")

    pregnant_from, pregnant_until = profile.pregnant_from, profile.pregnant_until
    if pregnancy_given and (pregnant_from is None or pregnant_until is None):
        field = "pregnant_from" if pregnant_from is None else "pregnant_until"
        add(field, "Give both the start of the pregnancy and its due date.")
    elif pregnant_from is not None and pregnant_until is not None:
        if pregnant_until < pregnant_from:
            add("pregnant_until", "The due date must be on or after the start of the pregnancy.")
        elif pregnant_until - pregnant_from > MAX_PREGNANCY:
            add("pregnant_until", "A pregnancy lasts at most about 45 weeks: check the dates.")

    if born is not None and pregnant_from is not None and pregnant_from < born:
        add("pregnant_from", "A pregnancy cannot start before the date of birth.")

    lactating_from, lactating_until = profile.lactating_from, profile.lactating_until
    if born is not None and lactating_from is not None and lactating_from < born:
        add("lactating_from", "Breastfeeding cannot start before the date of birth.")
    if lactating_until is not None and lactating_from is None:
        add("lactating_from", "Give the date breastfeeding started.")
    elif (
        lactating_from is not None
        and lactating_until is not None
        and lactating_until < lactating_from
    ):
        add("lactating_until", "The end of breastfeeding must be on or after its start.")

    if (
        pregnant_from is not None
        and pregnant_until is not None
        and lactating_from is not None
        and pregnant_from <= pregnant_until
        # An open-ended lactation runs on indefinitely.
        and pregnant_from <= (lactating_until or date.max)
        and lactating_from <= pregnant_until
    ):
        add(
            "lactating_from",
            "Pregnancy and breastfeeding overlap: on any one day at most one of them applies "
            "(the targets differ). Start breastfeeding after the due date, or correct the dates.",
        )

    if profile.kcal_goal is not None and not KCAL_GOAL_MIN <= profile.kcal_goal <= KCAL_GOAL_MAX:
        add("kcal_goal", KCAL_GOAL_MESSAGE)

    medications, medication_problems = _list_of_choices(
        profile.medications, list(Medication.values), "medication"
    )
    exclusions, exclusion_problems = _list_of_choices(
        profile.exclusions, list(Exclusion.values), "exclusion"
    )
    for message in medication_problems:
        add("medications", message)
    for message in exclusion_problems:
        add("exclusions", message)
    if not medication_problems:
        profile.medications = medications
    if not exclusion_problems:
        profile.exclusions = exclusions
    return problems


def profile_update(
    *, user: User, finish_onboarding: bool = False, today: date | None = None, **fields: Any
) -> Profile:
    """Set some of a person's profile fields, checking the whole profile, or save nothing.

    `finish_onboarding` marks the wizard done; it needs the date of birth and sex, which
    every target depends on. Raises ValidationError keyed by field name.
    """
    unknown = sorted(set(fields) - PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"profile_update() does not set: {', '.join(unknown)}")
    today = today or timezone.localdate()
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        problems = profile_problems(profile, today=today)
        try:
            profile.full_clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                problems.setdefault(field, []).extend(messages)
        if finish_onboarding:
            if profile.date_of_birth is None:
                problems.setdefault("date_of_birth", []).append("Give your date of birth.")
            if not profile.sex:
                problems.setdefault("sex", []).append("Choose the sex the RDA table uses.")
        if problems:
            # Raising inside the block rolls back a profile created just now as well.
            raise ValidationError(problems)
        if finish_onboarding and profile.onboarded_at is None:
            profile.onboarded_at = timezone.now()
        profile.save()
    return profile


# ---------------------------------------------------------------- custom target (dietitian)

# A custom target outside this range is a typo: the lowest RDA (children 1-3) is 80 mg and
# 1000 mg is over twice the highest adult RDA (IOM 1997).
CUSTOM_TARGET_MIN_MG = 50
CUSTOM_TARGET_MAX_MG = 1000
CUSTOM_TARGET_REASON_MAX_CHARS = 255
CUSTOM_TARGET_FIELDS = [
    "custom_target_mg",
    "custom_target_reason",
    "custom_target_set_by",
    "custom_target_history",
]


def _target_link_problem(dietitian: User, client: User) -> str | None:
    from accounts.selectors import link_get_for

    link = link_get_for(dietitian=dietitian, client=client) if dietitian.is_dietitian else None
    if link is None:
        return "Only a linked dietitian sets this person's target."
    if not link.can_set_target:
        return "This client has not allowed you to set their target."
    return None


def custom_target_set(
    *, dietitian: User, client: User, target_mg: Any, reason: str, today: date | None = None
) -> Profile:
    """Replace the client's RDA with `target_mg` from `today` on, recording why and who set
    it (`_custom_target_change`: the days before keep theirs).

    Raises ValidationError keyed by `target_mg` / `reason` (or `__all__` without a link).
    """
    problems: dict[str, list[str]] = {}
    link_problem = _target_link_problem(dietitian, client)
    if link_problem:
        raise ValidationError(link_problem)
    try:
        target = int(str(target_mg).strip())
    except (TypeError, ValueError):
        target = None
    if target is None or not CUSTOM_TARGET_MIN_MG <= target <= CUSTOM_TARGET_MAX_MG:
        problems["target_mg"] = [
            f"Enter a whole number of mg from {CUSTOM_TARGET_MIN_MG} to {CUSTOM_TARGET_MAX_MG}."
        ]
    reason = " ".join(str(reason or "").split())
    if not reason:
        problems["reason"] = ["Say why: the client sees this reason beside their target."]
    elif len(reason) > CUSTOM_TARGET_REASON_MAX_CHARS:
        problems["reason"] = [f"At most {CUSTOM_TARGET_REASON_MAX_CHARS} characters."]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=client)
        changed = _custom_target_change(
            profile,
            target_mg=target,
            reason=reason,
            set_by=dietitian,
            changed_by=dietitian,
            today=today or timezone.localdate(),
        )
        # A change that changes no day (the same target and reason again) is no access.
        if changed:
            access_change_record(
                editor=dietitian, client_id=client.pk, detail=f"set the target to {target} mg"
            )
    return profile


def custom_target_history_with(
    history: list[dict[str, Any]], change: dict[str, Any]
) -> list[dict[str, Any]]:
    """`history` (plans.targets.custom_target_in_force) with `change` in force from its day on.

    A second change on one day replaces that day's first: a day has one target, and the
    later change is the one that counts from then on. A change to the target already in
    force the day before (clearing when there is no custom target, setting back what a
    change earlier today replaced) is not an entry: it changes no day.
    """
    kept = [entry for entry in history if entry["from"] is None or entry["from"] < change["from"]]
    if _same_target(kept[-1] if kept else None, change):
        return kept
    return [*kept, change]


def _same_target(entry: dict[str, Any] | None, change: dict[str, Any]) -> bool:
    """Whether `change` leaves every line as `entry` had it: no custom target either way,
    or the same mg set by the same dietitian for the same reason."""
    if entry is None or entry["mg"] is None or change["mg"] is None:
        return (entry is None or entry["mg"] is None) and change["mg"] is None
    return all(entry[key] == change[key] for key in ("mg", "reason", "by"))


def _custom_target_change(
    profile: Profile,
    *,
    target_mg: int | None,
    reason: str,
    set_by: User | None,
    changed_by: User,
    today: date,
) -> bool:
    """The one write of a custom target (`target_mg` None: back to the RDA for the profile's
    age, sex, pregnancy and lactation), whoever makes it, in force from `today` (the app's
    time zone, as pages decide "today") on, future days included. The days before keep the
    target they were scored against: last month's report, week averages and the client list
    do not change after the fact. The history's "by" is who made the change, the fields'
    `set_by` who set the custom target. Runs in the caller's transaction, on a locked row.
    Returns whether the history changed (a change that changes no day is no entry).
    """
    from accounts.selectors import custom_target_history

    change = {"from": today.isoformat(), "mg": target_mg, "reason": reason, "by": changed_by.pk}
    before = custom_target_history(profile)
    profile.custom_target_history = custom_target_history_with(before, change)
    changed = profile.custom_target_history != before
    profile.custom_target_mg = target_mg
    profile.custom_target_reason = reason
    profile.custom_target_set_by = set_by
    # What this writes only: going back to the RDA must not fail on another field.
    written = set(CUSTOM_TARGET_FIELDS)
    profile.clean_fields(exclude=[f.name for f in Profile._meta.fields if f.name not in written])
    profile.save(update_fields=CUSTOM_TARGET_FIELDS)
    return changed


def custom_target_clear(*, dietitian: User, client: User, today: date | None = None) -> Profile:
    """Back to the RDA for the client's age, sex, pregnancy and lactation from `today` on;
    the days before keep the custom target they had."""
    link_problem = _target_link_problem(dietitian, client)
    if link_problem:
        raise ValidationError(link_problem)
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=client)
        changed = _custom_target_change(
            profile,
            target_mg=None,
            reason="",
            set_by=None,
            changed_by=dietitian,
            today=today or timezone.localdate(),
        )
        # A change that changes no day (a second "Back to the RDA") is no access.
        if changed:
            access_change_record(
                editor=dietitian, client_id=client.pk, detail="cleared the custom target"
            )
    return profile


def custom_target_drop(*, person: User, today: date | None = None) -> bool:
    """The person goes back to the RDA themself from `today` on; True if a custom target
    was removed.

    A custom target outlives the link that set it (ending a link or withdrawing the target
    right leaves it, as it may still be right for them), so the person, not only a linked
    dietitian, must be able to end it. It ends it as the dietitian's "Back to the RDA"
    does: the days before were planned and reported against the custom target, and keep
    it. No access-log row: the log records what dietitians did, and this is the person's
    own change (the history names them). A second submit finds nothing to remove.
    """
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(user=person).first()
        if profile is None or profile.custom_target_mg is None:
            return False
        _custom_target_change(
            profile,
            target_mg=None,
            reason="",
            set_by=None,
            changed_by=person,
            today=today or timezone.localdate(),
        )
    return True
