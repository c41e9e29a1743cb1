from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

from mgplanner.models import new_stamp


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    """Everyone is a person who plans meals; some are also dietitians, some admins.

    Email is the login; `username` is dropped so there is one identity per address.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    is_dietitian = models.BooleanField(
        default=False, help_text="Granted by an admin: may be invited to manage clients' plans."
    )
    # Changes after every write the person (or their dietitian) makes: the page cache's key
    # for their pages (mgplanner/page_cache.py). Random, not a counter: see new_stamp.
    data_stamp = models.BigIntegerField(default=new_stamp, editable=False)
    # Per date ("2026-11-26": [stamp, when set, Unix seconds]): changes after each write to a
    # meal item of the person's day on that date, which replaces no data_stamp. Pruned after
    # the page cache's two days (mgplanner/page_cache.py).
    day_stamps = models.JSONField(default=dict, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class Session(AbstractBaseSession):
    """A log-in session (Django's session row) that names its user, so that one query
    loads a request's session and its user together (accounts/sessions.py). Deleting the
    user deletes their sessions: an account deleted on one device is logged out on all."""

    # No database constraint: a session saved as its user is being deleted must not fail
    # (Django would retry a failed new session forever); the deletion's cascade (Django's,
    # not the database's) removes the rows, and a row naming no one loads as anonymous.
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type:
        from accounts.sessions import SessionStore

        return SessionStore


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class Diet(models.TextChoices):
    OMNIVORE = "omnivore", "Omnivore"
    VEGETARIAN = "vegetarian", "Vegetarian"
    VEGAN = "vegan", "Vegan"


class Exclusion(models.TextChoices):
    NUTS = "nuts", "Tree nuts"
    PEANUTS = "peanuts", "Peanuts"
    SEEDS = "seeds", "Seeds"
    DAIRY = "dairy", "Dairy"
    GLUTEN = "gluten", "Gluten"
    SOY = "soy", "Soy"
    FISH = "fish", "Fish"
    SHELLFISH = "shellfish", "Shellfish"
    EGG = "egg", "Egg"


class Medication(models.TextChoices):
    """The medications the scoring model knows (scoring-model.md section 6)."""

    DIGOXIN = "digoxin", "Digoxin"
    PPI = "ppi", "Long-term proton-pump inhibitor (omeprazole, pantoprazole, …)"
    LOOP_DIURETIC = "loop_diuretic", "Loop diuretic (furosemide, bumetanide, …)"
    THIAZIDE_DIURETIC = "thiazide_diuretic", "Thiazide diuretic (hydrochlorothiazide, …)"


class Profile(models.Model):
    """What the scoring engine needs to know about a person, plus their food preferences.

    Age, pregnancy and lactation are taken per scored day, so a profile stores dates,
    not an age.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(
        max_length=6,
        choices=Sex.choices,
        blank=True,
        help_text="Picks the row of the RDA table (IOM 1997 sets it by sex).",
    )
    pregnant_from = models.DateField(null=True, blank=True)
    pregnant_until = models.DateField(null=True, blank=True, help_text="Due date.")
    lactating_from = models.DateField(null=True, blank=True)
    lactating_until = models.DateField(null=True, blank=True, help_text="Blank while ongoing.")
    ckd_stage = models.PositiveSmallIntegerField(
        default=0,
        choices=[(0, "No kidney disease")] + [(n, f"Stage {n}") for n in range(1, 6)],
        verbose_name="chronic kidney disease stage",
    )
    medications = models.JSONField(default=list, blank=True)
    diet = models.CharField(max_length=10, choices=Diet.choices, default=Diet.OMNIVORE)
    exclusions = models.JSONField(default=list, blank=True)
    kcal_goal = models.PositiveIntegerField(null=True, blank=True)

    # Set by a linked dietitian; replaces the RDA (its EAR is target / 1.2). These three
    # are the target in force from today on: the last entry of the history below.
    custom_target_mg = models.PositiveIntegerField(null=True, blank=True)
    custom_target_reason = models.CharField(max_length=255, blank=True)
    custom_target_set_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Every custom target set or cleared, oldest first: {"from": "YYYY-MM-DD" or None (always),
    # "mg": int or None (none), "reason": str, "by": user id or None}, each in force from its
    # day on (plans.targets.custom_target_in_force), so a change does not re-score past days.
    # On the row, not in a table of its own: every page that scores a day reads the profile
    # already, and a table would add a query to each of them.
    custom_target_history = models.JSONField(default=list, blank=True, editable=False)

    onboarded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class DietitianLinkQuerySet(models.QuerySet["DietitianLink"]):
    def active(self) -> "DietitianLinkQuerySet":
        """Accepted and not revoked: the only links that open a client's data."""
        return self.filter(accepted_at__isnull=False, revoked_at__isnull=True)


class DietitianLink(models.Model):
    """A person's consent for a dietitian to see (and, as granted, change) their plan.

    A link is made only by accepting an invitation; revoking ends it for good (a new
    invitation makes a new link), so the rows are the history of who had access when.
    """

    dietitian = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_links")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dietitian_links")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    can_edit_plans = models.BooleanField(default=True)
    can_set_target = models.BooleanField(default=True)

    objects = DietitianLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one live link per pair: accepting twice must not double the access.
            models.UniqueConstraint(
                fields=["dietitian", "client"],
                condition=models.Q(revoked_at__isnull=True),
                name="dietitian_link_one_live_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(dietitian=models.F("client")),
                name="dietitian_link_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dietitian} → {self.client}"

    @property
    def is_active(self) -> bool:
        return self.accepted_at is not None and self.revoked_at is None


class InvitationDirection(models.TextChoices):
    DIETITIAN_INVITES_CLIENT = "dietitian_invites_client", "A dietitian invites a person"
    CLIENT_INVITES_DIETITIAN = "client_invites_dietitian", "A person invites a dietitian"


# One week to answer; an older link is refused even if it was never used.
INVITATION_VALID_DAYS = 7


class Invitation(models.Model):
    """A one-time offer to link, bound to the addressee's email.

    Only the SHA-256 of the URL token is stored, so a database leak does not hand out
    working links; the short code is for reading aloud or typing, and is equally bound
    to the addressee.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    code = models.CharField(max_length=8, unique=True)
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations_sent")
    addressee_email = models.EmailField()
    direction = models.CharField(max_length=24, choices=InvitationDirection.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    declined = models.BooleanField(default=False)
    accepted_link = models.ForeignKey(
        DietitianLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the link will allow when a person invites a dietitian: the person chooses when
    # inviting, since the dietitian is the one who accepts. A dietitian's invitation leaves
    # both to the person, who chooses on accepting (link_services.invitation_accept).
    can_edit_plans = models.BooleanField(default=True)
    can_set_target = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.sender} → {self.addressee_email}"


class DietitianRequest(models.Model):
    """A person asks to become a dietitian; an admin approves (sets is_dietitian) or refuses."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dietitian_requests")
    message = models.TextField(max_length=2000, help_text="Qualifications and registration number.")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Dietitian request of {self.user}"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EDIT = "edit", "Edited"
    REPORT = "report", "Made a report"


class AccessLog(models.Model):
    """One view or edit of a client's data by a dietitian, shown to the client."""

    dietitian = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="client_accesses"
    )
    # SET_NULL: when the client deletes their account the entry stays, without their
    # identity (client_ref holds a salted pseudonym; accounts/data_rights.py).
    client = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="access_log"
    )
    client_ref = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=6, choices=AccessAction.choices)
    path = models.CharField(max_length=500)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="access_log_client_at")]

    def __str__(self) -> str:
        return f"{self.dietitian} {self.action} {self.client} at {self.at:%Y-%m-%d %H:%M}"
