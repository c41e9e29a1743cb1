"""Foods with nutrients per 100 g, household portions, and phytate/oxalate with their basis."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from foods.nutrients import NUTRIENT_BY_FIELD, NUTRIENTS

# Above this the value is a typo, not a food: the richest foods in SR28 (rice bran,
# pumpkin seeds, cocoa) stay below ~800 mg/100 g.
MAX_PLAUSIBLE_MAGNESIUM_MG_PER_100G = 1000
# A physical ceiling, not a plausibility one: 100 g of food weighs 100,000 mg, so no
# substance can make up more of it (the richest foods hold a few thousand mg of phytate).
MAX_MG_PER_100G = 100_000


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The most of a unit 100 g of food can hold, and why, as the refusal says it."""

    per_100g: int
    why: str


# Per unit of foods.nutrients.NUTRIENTS, so each nutrient's bound follows from its unit and a
# new nutrient gets one without being listed here. Nothing holds more of anything than its own
# 100 g; nothing yields more energy than pure fat. 902, not the label rule's 9 kcal/g: SR28
# counts animal fats at 9.02 kcal/g, and lard, tallow and the fish oils are 902 kcal/100 g.
CEILING_BY_UNIT: dict[str, Ceiling] = {
    "g": Ceiling(100, "100 g of food cannot hold more of anything. Check the unit (g, not mg)."),
    "mg": Ceiling(MAX_MG_PER_100G, "100 g of food weighs 100,000 mg. Check the unit (mg, not µg)."),
    "µg": Ceiling(100_000_000, "100 g of food weighs 100,000,000 µg."),
    "kcal": Ceiling(902, "nothing has more (pure fat)."),
}

# Protein, fat and carbohydrate are shares of the same 100 g (USDA's carbohydrate is "by
# difference" and already includes the fibre, so fibre is not added again): together no more
# than 100 g. Each is analysed and rounded on its own, so a little over is allowed: the most
# among the shipped SR28 foods is 100.16 g (bearded seal oil: 0.56 protein + 99.6 fat), and a
# food label that rounds each of the three to the gram can be up to a gram over.
MACRONUTRIENT_FIELDS = ("protein_g_per_100g", "fat_g_per_100g", "carbohydrate_g_per_100g")
MAX_MACRONUTRIENTS_G_PER_100G = 101


def macronutrients_error(values: Mapping[str, object]) -> tuple[str, str] | None:
    """Why protein, fat and carbohydrate in `values` cannot be in one 100 g, and the field
    to say it at (the largest, the likeliest slip), or None if they can.

    Checked with the per-nutrient ceilings wherever those are (Food.clean: admin, CSV
    imports, the food loader, custom foods). Blank counts as none; call it only once each
    of the three passed per_100g_error, so one slip gets one message.
    """
    amounts = {
        field: float(value)
        for field in MACRONUTRIENT_FIELDS
        if isinstance(value := values.get(field), int | float)
    }
    total = sum(amounts.values())
    if total <= MAX_MACRONUTRIENTS_G_PER_100G:
        return None
    largest = max(amounts, key=amounts.__getitem__)
    return largest, (
        f"Protein, fat and carbohydrate add up to {total:g} g per 100 g, but together they "
        "can be at most 100 g (the carbohydrate includes the fibre). Check each of them."
    )


# The lightest portion anyone can plan: a meal item weighs at least 0.1 g
# (plans.models.AmountFields.grams; foods may not import plans). SR28's lightest measures
# weigh that (a dash of black pepper); one of 1e-320 g showed as "1 bar (0.0 g)".
MIN_PORTION_GRAMS = 0.1
PORTION_TOO_LIGHT = (
    f"A portion must weigh at least {MIN_PORTION_GRAMS:g} g, the least a meal item can weigh."
)
# The least amount three decimal places hold: "0 cup (258 g)" measures nothing, and a
# person would read "2 × 0 cup".
MIN_PORTION_AMOUNT = Decimal("0.001")
PORTION_AMOUNT_NOT_POSITIVE = "The amount must be more than 0: 1 for “1 cup”, 0.5 for “½ cup”."
# Two measures with one number leave which comes first (the food page's first column, the
# one search sorts by per portion) to chance.
PORTION_ORDER_TAKEN = "Another household measure of this food already has this order number."


def per_100g_error(field: str, value: float) -> str | None:
    """Why `value` cannot be the per-100 g amount of nutrient `field`, or None if it can.

    The one check of every nutrient's upper bound, for the model (admin, CSV imports, the
    food loader) and the custom food form. Magnesium, which the app is about, has a
    plausibility cap far below its physical ceiling, so a slip is caught as a slip.
    """
    if field == "magnesium_mg_per_100g" and value > MAX_PLAUSIBLE_MAGNESIUM_MG_PER_100G:
        return (
            f"{value:g} mg/100 g is implausible: no food has more than "
            f"{MAX_PLAUSIBLE_MAGNESIUM_MG_PER_100G:,} mg/100 g. Check the unit (mg, not µg)."
        )
    unit = NUTRIENT_BY_FIELD[field].unit
    ceiling = CEILING_BY_UNIT[unit]
    # `not <=` so that NaN, which compares false with everything, is refused too.
    if not value <= ceiling.per_100g:
        return f"At most {ceiling.per_100g:,} {unit} per 100 g: {ceiling.why}"
    return None


class Basis(models.TextChoices):
    MEASURED = "measured", "Measured (IFCT 2017)"
    CITED = "cited", "Literature value"
    ESTIMATE = "estimate", "Estimate by rule"


class FoodSource(models.TextChoices):
    USDA_SR28 = "usda_sr28", "USDA SR28"
    CUSTOM = "custom", "Custom food"


class FoodQuerySet(models.QuerySet["Food"]):
    def visible_to(self, user: object) -> "FoodQuerySet":
        """Database foods for everyone; a custom food only for the person who made it."""
        if getattr(user, "is_authenticated", False):
            return self.filter(Q(owner__isnull=True) | Q(owner=user))
        return self.filter(owner__isnull=True)


def non_negative() -> list[MinValueValidator]:
    return [MinValueValidator(0)]


class Food(models.Model):
    source = models.CharField(max_length=16, choices=FoodSource.choices)
    # The NDB number for SR28 foods ("12014"), what score_day and suggest look up.
    code = models.CharField(max_length=16)
    description = models.CharField(max_length=255)
    food_group = models.CharField(max_length=80, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="custom_foods",
        help_text="Set for a person's custom food, which only they see.",
    )

    kcal_per_100g = models.FloatField(
        "Energy (kcal per 100 g)", null=True, blank=True, validators=non_negative()
    )
    protein_g_per_100g = models.FloatField(
        "Protein (g per 100 g)", null=True, blank=True, validators=non_negative()
    )
    fat_g_per_100g = models.FloatField(
        "Fat (g per 100 g)", null=True, blank=True, validators=non_negative()
    )
    carbohydrate_g_per_100g = models.FloatField(
        "Carbohydrate (g per 100 g)", null=True, blank=True, validators=non_negative()
    )
    fibre_g_per_100g = models.FloatField(
        "Fibre (g per 100 g)", null=True, blank=True, validators=non_negative()
    )
    magnesium_mg_per_100g = models.FloatField(
        "Magnesium (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    calcium_mg_per_100g = models.FloatField(
        "Calcium (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    potassium_mg_per_100g = models.FloatField(
        "Potassium (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    sodium_mg_per_100g = models.FloatField(
        "Sodium (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    phosphorus_mg_per_100g = models.FloatField(
        "Phosphorus (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    zinc_mg_per_100g = models.FloatField(
        "Zinc (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    iron_mg_per_100g = models.FloatField(
        "Iron (mg per 100 g)", null=True, blank=True, validators=non_negative()
    )
    vitamin_d_ug_per_100g = models.FloatField(
        "Vitamin D (µg per 100 g)", null=True, blank=True, validators=non_negative()
    )

    phytate_mg_per_100g = models.FloatField(
        "Phytate (mg per 100 g)", default=0, validators=non_negative()
    )
    phytate_basis = models.CharField(max_length=10, choices=Basis.choices)
    # A citation, an IFCT food code, or the name of the estimate rule. 500 because the
    # curated literature citations reach ~380 characters (two references in one row).
    phytate_source = models.CharField(max_length=500)
    oxalate_mg_per_100g = models.FloatField(
        "Oxalate (mg per 100 g)", default=0, validators=non_negative()
    )
    oxalate_basis = models.CharField(max_length=10, choices=Basis.choices)
    oxalate_source = models.CharField(max_length=500)

    history = HistoricalRecords()
    objects = FoodQuerySet.as_manager()

    class Meta:
        ordering = ["description"]
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="food_unique_source_code"),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for nutrient in NUTRIENTS:
            value = getattr(self, nutrient.field)
            # Not a number yet (a bad form value) is clean_fields' error, not this one.
            if isinstance(value, int | float):
                message = per_100g_error(nutrient.field, value)
                if message is not None:
                    errors[nutrient.field] = message
        if not errors.keys() & set(MACRONUTRIENT_FIELDS):
            found = macronutrients_error({f: getattr(self, f) for f in MACRONUTRIENT_FIELDS})
            if found is not None:
                errors[found[0]] = found[1]
        # A custom food is someone's and only they see it; a database food is everyone's.
        # An ownerless "custom" food was listed for all in /foods/ and broke the CSV round
        # trip (import refuses the source); an owned database food would be a private
        # food the next load_foods overwrites.
        if self.source == FoodSource.CUSTOM and self.owner_id is None:
            errors["source"] = (
                "A custom food belongs to the person who made it: "
                "a database food's source is its database."
            )
        elif self.source != FoodSource.CUSTOM and self.owner_id is not None:
            errors["source"] = "A person's own food has the source “Custom food”."
        if errors:
            raise ValidationError(errors)

    @property
    def magnesium_mg_per_100kcal(self) -> float | None:
        if not self.kcal_per_100g or self.magnesium_mg_per_100g is None:
            return None
        return 100 * self.magnesium_mg_per_100g / self.kcal_per_100g


class Portion(models.Model):
    """A USDA household measure: `amount` `unit` weighs `grams` ("1 oz" = 28.35 g)."""

    food = models.ForeignKey(Food, on_delete=models.CASCADE, related_name="portions")
    # The measures' order on the food's page; the first is the one search sorts by.
    seq = models.PositiveSmallIntegerField("order", default=1)
    # A PositiveSmallIntegerField is a smallint on every database: renumbering moves rows
    # through spare numbers counted down from here (the admin, a food load).
    MAX_SEQ = 32767
    amount = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(MIN_PORTION_AMOUNT, PORTION_AMOUNT_NOT_POSITIVE)],
    )
    unit = models.CharField(max_length=120)
    grams = models.FloatField(validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["food", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["food", "seq"], name="portion_unique_food_seq"),
            models.CheckConstraint(condition=Q(grams__gt=0), name="portion_grams_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="portion_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.label} = {self.grams:g} g"

    def unique_error_message(
        self, model_class: type[models.Model], unique_check: tuple[str, ...]
    ) -> ValidationError:
        if tuple(unique_check) == ("food", "seq"):
            return ValidationError(PORTION_ORDER_TAKEN, code="unique_together")
        return super().unique_error_message(model_class, unique_check)

    @property
    def label(self) -> str:
        return f"{self.amount.normalize():f} {self.unit}"

    def clean(self) -> None:
        # `not >=` refuses NaN too; a value that is not a number is clean_fields' error.
        if isinstance(self.grams, int | float) and not self.grams >= MIN_PORTION_GRAMS:
            raise ValidationError({"grams": PORTION_TOO_LIGHT})


class FoodDataLoad(models.Model):
    """A record of each shipped food file loaded, so a second `load_foods` can skip it."""

    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    foods = models.PositiveIntegerField()
    portions = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]}) at {self.loaded_at:%Y-%m-%d %H:%M}"
