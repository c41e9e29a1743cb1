"""Plans: a person's days, their meals and items, supplements taken, and meal templates."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from foods.models import Food, Portion
from foods.values import MAX_PORTION_GRAMS, grams_text
from plans.recipes import servings_label

# A month of days at most in one copy: enough for "the rest of the month", small enough
# that a slip of the range cannot fill a year.
MAX_COPY_TARGETS = 31


class Preparation(models.TextChoices):
    """Mirrors plans.scoring.PREPARATIONS; each lowers phytate by the spec's factor."""

    NONE = "none", "As is"
    SOAKED = "soaked", "Soaked"
    SPROUTED = "sprouted", "Sprouted"
    FERMENTED = "fermented", "Fermented"


DEFAULT_MEAL_NAMES = ("Breakfast", "Lunch", "Dinner", "Snacks")


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: Any) -> "PlanQuerySet":
        """The user's own plan, and the plans of the clients actively linked to them.

        Every pk-addressed planner object is fetched through this, so revoking a link ends
        the dietitian's access on their next request.
        """
        from accounts.selectors import clients_of

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "is_dietitian", False):
            return self.filter(Q(owner=user) | Q(owner__in=clients_of(user)))
        return self.filter(owner=user)


class Plan(models.Model):
    """One per person, created the first time they plan a day."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan"
    )
    name = models.CharField(max_length=120, default="My plan")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"


class Day(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    notes = models.TextField(blank=True, max_length=4000)
    # Bumped by every write to the day, so a stale form can be told apart from a fresh one.
    version = models.PositiveIntegerField(default=1)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_edited_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "date"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "date"], name="day_unique_plan_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} of {self.plan}"


class LiveMealManager(models.Manager["Meal"]):
    """Meals not deleted: the default manager, so `day.meals`, prefetches and every
    `Meal.objects` read skip a meal waiting for Undo. Joins from items, recipes and doses
    (`meal__day=...`, `dose.meal`) do not pass through it and check `deleted_at` themselves.
    """

    def get_queryset(self) -> models.QuerySet["Meal"]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Meal(models.Model):
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="meals")
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    # Set on delete so Undo can bring the meal back with its items and recipes (which stay
    # as they were); nothing reads a deleted meal but Undo.
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Deleted meals too: for Undo, and the data export (which lists every stored row).
    all_objects = models.Manager()
    objects = LiveMealManager()

    class Meta:
        ordering = ["day", "position", "id"]
        default_manager_name = "objects"

    def __str__(self) -> str:
        return self.name


class AmountFields(models.Model):
    """What a meal item and a template item share: a food, how much, how prepared."""

    food = models.ForeignKey(Food, on_delete=models.PROTECT, related_name="+")
    grams = models.FloatField(
        validators=[MinValueValidator(0.1), MaxValueValidator(MAX_PORTION_GRAMS)],
        help_text="The weight eaten; derived from the household measure when one is used.",
    )
    # The household measure the person chose ("2 × 1 oz"); grams is what scoring uses.
    portion = models.ForeignKey(
        Portion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    portion_quantity = models.DecimalField(
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    preparation = models.CharField(
        max_length=10, choices=Preparation.choices, default=Preparation.NONE
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.grams is not None and self.grams <= 0:
            errors["grams"] = "Enter an amount above 0 g."
        if self.portion_id is not None:
            if self.portion_quantity is None:
                errors["portion_quantity"] = "Enter how many of the measure."
            elif self.food_id is not None and self.portion.food_id != self.food_id:
                errors["portion"] = "That measure belongs to another food."
        if errors:
            raise ValidationError(errors)

    @property
    def amount_label(self) -> str:
        """ "2 × 1 oz (56.7 g)" for a household measure, "120 g" otherwise."""
        if self.portion_id is not None and self.portion_quantity is not None:
            quantity = f"{self.portion_quantity.normalize():f}"
            return f"{quantity} × {self.portion.label} ({grams_text(self.grams)} g)"
        return f"{self.grams:g} g"


class PlannedQuerySet(models.QuerySet[Any]):
    """Items and recipes planned in meals: each is soft-deleted on its own, and leaves the
    day with its meal too."""

    def live(self) -> "PlannedQuerySet":
        """Neither deleted nor in a deleted meal: what the day is eating. (Reached through a
        live meal, `deleted_at__isnull=True` alone says the same without the join.)"""
        return self.filter(deleted_at__isnull=True, meal__deleted_at__isnull=True)


class MealItem(AmountFields):
    meal = models.ForeignKey(Meal, on_delete=models.CASCADE, related_name="items")
    # Set on delete so Undo can bring the item back; nothing reads deleted items but undo.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlannedQuerySet.as_manager()

    class Meta:
        ordering = ["meal", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(grams__gt=0), name="meal_item_grams_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.grams:g} g {self.food}"


class SupplementKind(models.TextChoices):
    MAGNESIUM = "magnesium", "Magnesium"
    CALCIUM = "calcium", "Calcium"
    VITAMIN_D = "vitamin_d", "Vitamin D"


class AmountBasis(models.TextChoices):
    COMPOUND = "compound", "Compound (e.g. 500 mg magnesium citrate)"
    ELEMENTAL = "elemental", "Elemental magnesium"


class SupplementProduct(models.Model):
    """A product a person takes, saved once and logged on many days."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplement_products"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=SupplementKind.choices)
    # A key of plans.supplements.FORMS for magnesium; blank for calcium and vitamin D.
    form = models.CharField(max_length=20, blank=True)
    amount_mg = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(5000)],
        help_text="Magnesium per unit, as printed on the label.",
    )
    amount_basis = models.CharField(
        max_length=10, choices=AmountBasis.choices, default=AmountBasis.ELEMENTAL
    )
    calcium_mg = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(5000)]
    )
    vitamin_d_iu = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100000)]
    )
    # For form "other" only, as the spec's table gives it ("entered, default 1.0"): a named
    # form has its own (oxide 0.40), and score_day refuses an override of it alike.
    bioavailability = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["owner", "archived", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from plans.supplements import FORMS

        errors: dict[str, str] = {}
        if self.kind == SupplementKind.MAGNESIUM:
            if self.form not in FORMS:
                errors["form"] = "Pick the magnesium form printed on the label."
            if not self.amount_mg:
                errors["amount_mg"] = "Enter the magnesium per tablet or scoop."
            form = FORMS.get(self.form)
            if (
                self.bioavailability is not None
                and form is not None
                and form.molar_mass_g_per_mol is not None
            ):
                errors["bioavailability"] = (
                    f"Only the form “other” takes a bioavailability; {form.label} has its own "
                    f"({form.bioavailability:g})."
                )
        elif self.form:
            errors["form"] = "Only magnesium products have a form."
        if self.kind == SupplementKind.CALCIUM and not self.calcium_mg:
            errors["calcium_mg"] = "Enter the calcium per tablet."
        if self.kind == SupplementKind.VITAMIN_D and not self.vitamin_d_iu:
            errors["vitamin_d_iu"] = "Enter the vitamin D per tablet in IU."
        if errors:
            raise ValidationError(errors)

    @property
    def elemental_mg(self) -> float:
        """Elemental magnesium per unit, whichever way the label states it."""
        from plans.supplements import elemental_mg

        if self.kind != SupplementKind.MAGNESIUM or not self.amount_mg:
            return 0.0
        if self.amount_basis == AmountBasis.ELEMENTAL:
            return float(self.amount_mg)
        return elemental_mg(self.form, float(self.amount_mg))


class SupplementDose(models.Model):
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="supplement_doses")
    product = models.ForeignKey(SupplementProduct, on_delete=models.PROTECT, related_name="doses")
    quantity = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(20))],
        help_text="Tablets, capsules or scoops.",
    )
    # Taken with this meal (absorbed together with it), or on its own at `taken_at`.
    meal = models.ForeignKey(
        Meal, null=True, blank=True, on_delete=models.SET_NULL, related_name="supplement_doses"
    )
    taken_at = models.TimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity.normalize():f} × {self.product}"

    def clean(self) -> None:
        if self.meal_id is not None and self.day_id is not None and self.meal.day_id != self.day_id:
            raise ValidationError({"meal": "That meal is on another day."})

    @property
    def taken_with(self) -> Meal | None:
        """The meal the dose is taken with; None when taken on its own, which it is also
        while that meal is deleted (Undo brings the pairing back)."""
        meal = self.meal
        return meal if meal is not None and meal.deleted_at is None else None


class MealTemplate(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meal_templates"
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "name"]

    def __str__(self) -> str:
        return self.name


class MealTemplateItem(AmountFields):
    template = models.ForeignKey(MealTemplate, on_delete=models.CASCADE, related_name="items")

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grams__gt=0), name="meal_template_item_grams_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grams:g} g {self.food}"


# ---------------------------------------------------------------- dietitian notes and templates


class NoteVisibility(models.TextChoices):
    PRIVATE = "private", "Private (only you)"
    SHARED = "shared", "Shared with the client"


MAX_DAY_NOTE_CHARS = 2000


class DayNote(models.Model):
    """A dietitian's note on a client's day: private ones are read by their author alone."""

    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="dietitian_notes")
    # NULL once its author deleted their account: a shared note stays with the client
    # (accounts/data_rights.py), shown as from "a former dietitian".
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="day_notes"
    )
    visibility = models.CharField(
        max_length=7, choices=NoteVisibility.choices, default=NoteVisibility.PRIVATE
    )
    text = models.TextField(max_length=MAX_DAY_NOTE_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} note on {self.day}"


class WeekTemplate(models.Model):
    """Seven days (some may be empty) saved by a dietitian, laid onto a plan from a date."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="week_templates"
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "name", "id"]

    def __str__(self) -> str:
        return self.name


class DayTemplate(models.Model):
    """A day's meals and foods saved by a dietitian; a week template's days are these too."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="day_templates"
    )
    name = models.CharField(max_length=120)
    # Set for the days of a week template: which day of it (0 = the first), so it is not
    # listed on its own.
    week = models.ForeignKey(
        WeekTemplate, null=True, blank=True, on_delete=models.CASCADE, related_name="days"
    )
    offset = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "offset"],
                condition=Q(week__isnull=False),
                name="day_template_unique_week_offset",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DayTemplateItem(AmountFields):
    template = models.ForeignKey(DayTemplate, on_delete=models.CASCADE, related_name="items")
    meal_name = models.CharField(max_length=60)
    meal_position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "meal_position", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grams__gt=0), name="day_template_item_grams_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meal_name}: {self.grams:g} g {self.food}"


# ---------------------------------------------------------------- recipes and shopping

MAX_RECIPE_SERVINGS = 100
MAX_RECIPE_INGREDIENTS = 60
MAX_RECIPE_STEPS_CHARS = 10000
# A whole pot of soup for a crowd; more than this in one recipe is a typo.
MAX_RECIPE_GRAMS = 20000


class RecipeQuerySet(models.QuerySet["Recipe"]):
    def visible_to(self, user: Any) -> "RecipeQuerySet":
        """The user's own recipes, and the shared recipes of people actively linked to them
        (their dietitian's, or a dietitian's clients'); the rest do not exist for them.
        A link whose dietitian is no longer one ("Access on hold" on the client's page)
        opens nothing, as for the client's plan (accounts.selectors.clients_of).
        """
        from accounts.models import DietitianLink

        if not getattr(user, "is_authenticated", False):
            return self.none()
        links = DietitianLink.objects.active().filter(dietitian__is_dietitian=True)
        linked = Q(owner__in=links.filter(client=user).values("dietitian")) | Q(
            owner__in=links.filter(dietitian=user).values("client")
        )
        return self.filter(Q(owner=user) | (Q(shared=True) & linked))


class Recipe(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recipes"
    )
    name = models.CharField(max_length=120)
    servings = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(MAX_RECIPE_SERVINGS)]
    )
    # Weighed after cooking, so a portion can be entered in grams of the finished dish.
    cooked_weight_grams = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RECIPE_GRAMS)],
    )
    steps = models.TextField(blank=True, max_length=MAX_RECIPE_STEPS_CHARS)
    # Seen (read, use, duplicate) by the people linked to the owner; only the owner edits.
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecipeQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "name", "id"]

    def __str__(self) -> str:
        return self.name


class RecipeIngredient(AmountFields):
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="ingredients")

    class Meta:
        ordering = ["recipe", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grams__gt=0), name="recipe_ingredient_grams_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grams:g} g {self.food}"


class ServingsFields(models.Model):
    """What a recipe eaten in a meal and one saved in a template share: how many servings.

    Abstract, so each keeps its own table; the fields are the ones both declared before.
    """

    # To 1e-9 serving, so servings worked out from grams of the dish weigh those grams: a
    # serving weighs at most 300 kg (60 foods of 5 kg, no cooked weight, 1 serving), so the
    # rounding stays under 0.00015 g, below the milligram the shopping list rounds to; to
    # 0.001 a step was up to 20 g of a 20 kg pot. Shown to 0.001 (recipes.servings_label).
    # 12 digits hold MAX_RECIPE_SERVINGS (100.000000000).
    servings = models.DecimalField(
        max_digits=12,
        decimal_places=9,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_RECIPE_SERVINGS)],
    )
    # What the person typed when they entered grams of the finished dish (shown back).
    grams = models.FloatField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.servings.normalize():f} × {self.recipe}"  # type: ignore[attr-defined]

    @property
    def amount_label(self) -> str:
        """ "1.5 servings (211 g)" when grams were entered, "1 serving" otherwise: as a
        day, a meal's tools page and the templates list show it (MealItem.amount_label)."""
        label = servings_label(self.servings)
        return f"{label} ({grams_text(self.grams)} g)" if self.grams else label


class MealRecipe(ServingsFields):
    """Servings of a recipe eaten in a meal; the engine sees its ingredients, scaled."""

    meal = models.ForeignKey(Meal, on_delete=models.CASCADE, related_name="recipes")
    # PROTECT: deleting a recipe that days still use would silently empty those meals.
    recipe = models.ForeignKey(Recipe, on_delete=models.PROTECT, related_name="meal_uses")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlannedQuerySet.as_manager()

    class Meta:
        ordering = ["meal", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(servings__gt=0), name="meal_recipe_servings_positive"
            ),
        ]


class MealTemplateRecipe(ServingsFields):
    """Servings of a recipe saved in a meal template, inserted with its foods."""

    template = models.ForeignKey(MealTemplate, on_delete=models.CASCADE, related_name="recipes")
    # A deleted recipe leaves the templates that named it: they cannot hold what is gone.
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="template_uses")

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(servings__gt=0), name="meal_template_recipe_servings_positive"
            ),
        ]


class DayTemplateRecipe(ServingsFields):
    """Servings of a recipe in a day template's meal, laid into that meal with its foods.

    It names the recipe saved (often the client's own): `template_assign` gives a person who
    cannot see it a copy of their own.
    """

    template = models.ForeignKey(DayTemplate, on_delete=models.CASCADE, related_name="recipes")
    # As for meal templates: a deleted recipe leaves the templates that named it.
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="day_template_uses")
    meal_name = models.CharField(max_length=60)
    meal_position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "meal_position", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(servings__gt=0), name="day_template_recipe_servings_positive"
            ),
        ]


class ShoppingTick(models.Model):
    """A food ticked off the shopping list of a range of days; ticks persist per range."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shopping_ticks"
    )
    food = models.ForeignKey(Food, on_delete=models.CASCADE, related_name="+")
    start = models.DateField()
    end = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "start", "end", "food"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "food", "start", "end"], name="shopping_tick_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.food} ({self.start}–{self.end})"
