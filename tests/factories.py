"""Factories for tests, one section per app; append, do not rewrite."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Profile, Sex, User

# ---- accounts ----

TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can log in with TEST_PASSWORD. No profile: use ProfileFactory for one."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(TEST_PASSWORD)


class ProfileFactory(factory.django.DjangoModelFactory):
    """An onboarded woman of 34 today, no pregnancy, kidney disease or medicines."""

    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    # Born on 1 January, so her age is the same on every day of the current year.
    date_of_birth = factory.LazyFunction(lambda: date(timezone.localdate().year - 34, 1, 1))
    sex = Sex.FEMALE
    onboarded_at = factory.LazyFunction(timezone.now)


# ---- foods (used by plans tests) ----


class FoodFactory(factory.django.DjangoModelFactory):
    """An SR28-like food: pumpkin-seed-ish magnesium and phytate, no oxalate."""

    class Meta:
        model = "foods.Food"

    source = "usda_sr28"
    code = factory.Sequence(lambda n: f"9{n:05d}")
    description = factory.Sequence(lambda n: f"Test food {n}")
    food_group = "Nut and Seed Products"
    kcal_per_100g = 559.0
    magnesium_mg_per_100g = 592.0
    calcium_mg_per_100g = 46.0
    phytate_mg_per_100g = 1900.0
    phytate_basis = "cited"
    phytate_source = "test"
    oxalate_mg_per_100g = 0.0
    oxalate_basis = "estimate"
    oxalate_source = "test"


class PortionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "foods.Portion"

    food = factory.SubFactory(FoodFactory)
    seq = factory.Sequence(lambda n: n + 1)
    amount = factory.LazyFunction(lambda: Decimal(1))
    unit = "oz"
    grams = 28.35


# ---- plans ----


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Plan"

    owner = factory.SubFactory(UserFactory)


class DayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Day"

    plan = factory.SubFactory(PlanFactory)
    date = factory.LazyFunction(timezone.localdate)


class MealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Meal"

    day = factory.SubFactory(DayFactory)
    name = "Breakfast"
    position = factory.Sequence(lambda n: n)


class MealItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.MealItem"

    meal = factory.SubFactory(MealFactory)
    food = factory.SubFactory(FoodFactory)
    grams = 30.0
    position = factory.Sequence(lambda n: n)


class SupplementProductFactory(factory.django.DjangoModelFactory):
    """300 mg elemental magnesium as citrate per tablet."""

    class Meta:
        model = "plans.SupplementProduct"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Magnesium citrate {n}")
    kind = "magnesium"
    form = "citrate"
    amount_mg = 300.0
    amount_basis = "elemental"


class SupplementDoseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.SupplementDose"

    day = factory.SubFactory(DayFactory)
    product = factory.SubFactory(
        SupplementProductFactory, owner=factory.SelfAttribute("..day.plan.owner")
    )
    quantity = 1


class MealTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.MealTemplate"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Template {n}")


class MealTemplateItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.MealTemplateItem"

    template = factory.SubFactory(MealTemplateFactory)
    food = factory.SubFactory(FoodFactory)
    grams = 30.0
    position = factory.Sequence(lambda n: n)


# ---- dietitian links (issue 7) ----


class DietitianFactory(UserFactory):
    """A dietitian (granted by an admin) with a finished profile of her own."""

    is_dietitian = True
    email = factory.Sequence(lambda n: f"dietitian{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Dietitian {n}")
    profile = factory.RelatedFactory(ProfileFactory, factory_related_name="user")


class DietitianLinkFactory(factory.django.DjangoModelFactory):
    """An accepted, active link; pass revoked_at to make a revoked one."""

    class Meta:
        model = "accounts.DietitianLink"

    dietitian = factory.SubFactory(DietitianFactory)
    client = factory.LazyFunction(lambda: ProfileFactory().user)
    accepted_at = factory.LazyFunction(timezone.now)


# ---- recipes ----


class RecipeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Recipe"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Recipe {n}")
    servings = 4


class RecipeIngredientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.RecipeIngredient"

    recipe = factory.SubFactory(RecipeFactory)
    food = factory.SubFactory(FoodFactory)
    grams = 200.0
    position = factory.Sequence(lambda n: n)


class MealRecipeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.MealRecipe"

    meal = factory.SubFactory(MealFactory)
    recipe = factory.SubFactory(RecipeFactory)
    servings = factory.LazyFunction(lambda: Decimal(1))
    position = factory.Sequence(lambda n: n)


# Real SR28 foods of the curated suggestion lists, with their per-100 g values and the
# household measure the suggestions use: (food fields, (unit, grams) or None).
SR28_FOODS: dict[str, tuple[dict[str, object], tuple[str, float] | None]] = {
    "pumpkin": (
        {
            "code": "12014",
            "description": "Seeds, pumpkin and squash seed kernels, dried",
            "food_group": "Nut and Seed Products",
            "magnesium_mg_per_100g": 592.0,
            "kcal_per_100g": 559.0,
            "calcium_mg_per_100g": 46.0,
            "phytate_mg_per_100g": 1900.0,
        },
        ("oz", 28.35),
    ),
    "chocolate": (
        {
            "code": "19904",
            "description": "Chocolate, dark, 70-85% cacao solids",
            "food_group": "Sweets",
            "magnesium_mg_per_100g": 228.0,
            "kcal_per_100g": 598.0,
            "calcium_mg_per_100g": 73.0,
            "phytate_mg_per_100g": 0.0,
        },
        None,
    ),
    "milk_chocolate": (
        {
            "code": "19120",
            "description": "Candies, milk chocolate",
            "food_group": "Sweets",
            "magnesium_mg_per_100g": 63.0,
            "kcal_per_100g": 535.0,
            "calcium_mg_per_100g": 189.0,
            "phytate_mg_per_100g": 0.0,
        },
        None,
    ),
    "spinach": (
        {
            "code": "11457",
            "description": "Spinach, raw",
            "food_group": "Vegetables and Vegetable Products",
            "magnesium_mg_per_100g": 79.0,
            "kcal_per_100g": 23.0,
            "calcium_mg_per_100g": 99.0,
            "phytate_mg_per_100g": 0.0,
            "oxalate_mg_per_100g": 970.0,
        },
        None,
    ),
    "kale": (
        {
            "code": "11233",
            "description": "Kale, raw",
            "food_group": "Vegetables and Vegetable Products",
            "magnesium_mg_per_100g": 47.0,
            "kcal_per_100g": 49.0,
            "calcium_mg_per_100g": 150.0,
            "phytate_mg_per_100g": 0.0,
            "oxalate_mg_per_100g": 20.0,
        },
        None,
    ),
    "beans": (
        {
            "code": "16015",
            "description": "Beans, black, mature seeds, cooked, boiled, without salt",
            "food_group": "Legumes and Legume Products",
            "magnesium_mg_per_100g": 70.0,
            "kcal_per_100g": 132.0,
            "calcium_mg_per_100g": 27.0,
            "phytate_mg_per_100g": 800.0,
        },
        ("cup", 172.0),
    ),
    "almonds": (
        {
            "code": "12061",
            "description": "Nuts, almonds",
            "food_group": "Nut and Seed Products",
            "magnesium_mg_per_100g": 270.0,
            "kcal_per_100g": 579.0,
            "calcium_mg_per_100g": 269.0,
            "phytate_mg_per_100g": 1400.0,
        },
        ("oz", 28.35),
    ),
}


def sr28_foods(*names: str) -> dict[str, object]:
    """The named SR28_FOODS, created with their household measure."""
    made = {}
    for name in names:
        fields, portion = SR28_FOODS[name]
        made[name] = FoodFactory(**fields)
        if portion is not None:
            PortionFactory(food=made[name], unit=portion[0], grams=portion[1])
    return made
