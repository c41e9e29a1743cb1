from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


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

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]


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

    # Set by a linked dietitian; replaces the RDA (its EAR is target / 1.2).
    custom_target_mg = models.PositiveIntegerField(null=True, blank=True)
    custom_target_reason = models.CharField(max_length=255, blank=True)
    custom_target_set_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    onboarded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
