"""The demo: four accounts and a planned week, written by `manage.py seed_demo`.

The week is data (below) so a reader can check it against SR28: every item names a real
NDB number and a weight taken from a USDA household measure where one fits ("1 oz" of
almonds = 28.35 g, a slice of whole-wheat bread = 32 g).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import profile_update
from foods.models import Food, FoodSource
from mgplanner.page_cache import site_stamp_bump

if TYPE_CHECKING:
    from plans.models import Recipe

# Documented demo-only values; `DEMO_PASSWORD` overrides them. Never use them anywhere real.
DEFAULT_DEMO_PASSWORD = "magnesium-demo-only"  # noqa: S105 - a documented demo value
FOOD_EDITORS_GROUP = "Food editors"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    key: str
    email: str
    display_name: str
    role: str
    is_superuser: bool = False
    is_staff: bool = False
    is_dietitian: bool = False
    in_food_editors: bool = False
    # A finished profile, so logging in goes straight to planning rather than the wizard.
    born: tuple[int, int, int] = (1990, 5, 14)
    sex: str = "female"
    diet: str = "omnivore"


ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        key="admin",
        email="admin@example.org",
        display_name="Demo admin",
        role="admin (superuser): /admin/",
        is_superuser=True,
        is_staff=True,
        born=(1978, 2, 3),
        sex="male",
    ),
    DemoAccount(
        key="person",
        email="ana@example.org",
        display_name="Ana",
        role="person with a planned week",
        born=(1990, 5, 14),
        sex="female",
    ),
    DemoAccount(
        key="dietitian",
        email="dietitian@example.org",
        display_name="Dr Demo, dietitian",
        role="dietitian of Ana: /clients/",
        is_dietitian=True,
        born=(1982, 9, 21),
        sex="female",
    ),
    DemoAccount(
        key="editor",
        email="editor@example.org",
        display_name="Food editor",
        role="food editor (Food editors group, admin site)",
        is_staff=True,
        in_food_editors=True,
        born=(1985, 11, 30),
        sex="male",
        diet="vegetarian",
    ),
)
PERSON_KEY = "person"
DIETITIAN_KEY = "dietitian"
# What Ana allows her demo dietitian, on the first seed and on every re-link: everything a
# link can grant, so the workspace shows all it does (accounts/link_services.LINK_ABILITIES).
DEMO_LINK_RIGHTS = {"can_edit_plans": True, "can_set_target": True}
DEMO_LINK_RIGHTS_WORDS = {"can_edit_plans": "edit her plan", "can_set_target": "set her target"}


@dataclass(frozen=True, slots=True)
class DemoItem:
    code: str  # SR28 NDB number
    grams: float
    preparation: str = "none"


@dataclass(frozen=True, slots=True)
class DemoSupplement:
    form: str  # a key of plans.supplements.FORMS
    compound_mg: float  # the label's number, as the compound weight
    with_meal: str | None  # a meal name, or None for its own occasion
    name: str


@dataclass(frozen=True, slots=True)
class DemoDay:
    meals: dict[str, tuple[DemoItem, ...]]
    supplements: tuple[DemoSupplement, ...] = ()
    notes: str = ""
    # Meal name -> (recipe name, servings eaten): recipes of RECIPES, by name.
    recipes: dict[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DemoRecipe:
    """A recipe of the demo person. Amounts are weights as bought (dry pulses and grains), so
    the preparation applies to them; its magnesium is computed by the engine, never typed in.
    """

    name: str
    servings: int
    ingredients: tuple[DemoItem, ...]
    steps: str
    cooked_weight_grams: float | None = None


# SR28 codes used below, with what they are (for the reader and the error message).
FOODS: dict[str, str] = {
    "08120": "Oats, regular and quick, dry",
    "01077": "Milk, whole, 3.25 %",
    "09040": "Bananas, raw",
    "12014": "Pumpkin seed kernels, dried",
    "18075": "Bread, whole-wheat",
    "15121": "Tuna, light, canned in water",
    "11457": "Spinach, raw",
    "15236": "Salmon, Atlantic, farmed, raw",
    "20037": "Rice, brown, long-grain, cooked",
    "20445": "Rice, white, long-grain, cooked",
    "11090": "Broccoli, raw",
    "12061": "Almonds",
    "19904": "Chocolate, dark, 70–85 % cacao",
    "16015": "Black beans, boiled",
    "01256": "Yogurt, Greek, plain, nonfat",
    "09050": "Blueberries, raw",
    "01123": "Egg, whole, raw",
    "16070": "Lentils, boiled",
    "05064": "Chicken breast, roasted",
    "11357": "Potato, baked, flesh and skin",
    "20137": "Quinoa, cooked",
    "09037": "Avocado, raw",
    "12087": "Cashew nuts, raw",
    "16098": "Peanut butter, smooth",
    "11124": "Carrots, raw",
    # Recipe ingredients (RECIPES below).
    "16069": "Lentils, raw",
    "11282": "Onions, raw",
    "11215": "Garlic, raw",
    "11531": "Tomatoes, canned in tomato juice",
    "12118": "Coconut milk, canned",
    "02015": "Curry powder",
    "04053": "Olive oil",
    "16057": "Chickpeas, boiled",
    "12166": "Tahini (sesame butter)",
    "09152": "Lemon juice, raw",
    "02014": "Cumin seed",
    "12006": "Chia seeds, dried",
    "20009": "Buckwheat groats, roasted, dry",
    "16014": "Black beans, raw",
    "11821": "Peppers, sweet, red, raw",
    "02009": "Chili powder",
    "11167": "Corn, sweet, yellow, raw",
}


def _items(*pairs: tuple[str, float] | tuple[str, float, str]) -> tuple[DemoItem, ...]:
    return tuple(DemoItem(*pair) for pair in pairs)


CITRATE_WITH_DINNER = DemoSupplement(
    form="citrate", compound_mg=500, with_meal="Dinner", name="Magnesium citrate 500 mg"
)

# Five dishes rich in magnesium (pulses, seeds, buckwheat), weights from USDA measures where
# one fits (1 cup of dry lentils = 192 g, 1 tbsp tahini = 15 g, 1 oz pumpkin seeds = 28.35 g).
RECIPES: tuple[DemoRecipe, ...] = (
    DemoRecipe(
        name="Red lentil curry",
        servings=4,
        cooked_weight_grams=1600,
        ingredients=_items(
            ("16069", 300, "soaked"),
            ("11282", 150),
            ("11215", 9),
            ("04053", 14),
            ("02015", 8),
            ("11531", 400),
            ("12118", 200),
            ("11457", 100),
        ),
        steps=(
            "Soak the lentils for 8 hours; drain and rinse.\n"
            "Soften the onion and garlic in the oil, stir in the curry powder.\n"
            "Add the lentils, tomatoes, coconut milk and 500 ml water; simmer 25 minutes.\n"
            "Stir in the spinach until it wilts."
        ),
    ),
    DemoRecipe(
        name="Hummus",
        servings=6,
        ingredients=_items(
            ("16057", 492, "soaked"),
            ("12166", 60),
            ("09152", 45),
            ("11215", 6),
            ("04053", 27),
            ("02014", 2),
        ),
        steps=(
            "Soak dried chickpeas overnight and boil until soft (3 cups cooked).\n"
            "Blend with the tahini, lemon juice, garlic, cumin and a little cooking water.\n"
            "Finish with the olive oil."
        ),
    ),
    DemoRecipe(
        name="Overnight oats with pumpkin seeds",
        servings=1,
        ingredients=_items(
            ("08120", 50, "soaked"),
            ("01077", 200),
            ("01256", 70),
            ("12006", 10),
            ("12014", 20),
            ("09050", 50),
        ),
        steps=(
            "Stir the oats and chia into the milk and yogurt; cover and chill overnight.\n"
            "Top with the pumpkin seeds and blueberries in the morning."
        ),
    ),
    DemoRecipe(
        name="Buckwheat porridge",
        servings=2,
        ingredients=_items(
            ("20009", 120, "soaked"),
            ("01077", 400),
            ("09040", 118),
            ("12061", 20),
        ),
        steps=(
            "Soak the groats overnight; drain and rinse.\n"
            "Simmer in the milk for 10 minutes, stirring.\n"
            "Serve with the sliced banana and chopped almonds."
        ),
    ),
    DemoRecipe(
        name="Black bean chili",
        servings=6,
        cooked_weight_grams=2400,
        ingredients=_items(
            ("16014", 400, "soaked"),
            ("11282", 150),
            ("11821", 150),
            ("11215", 9),
            ("04053", 14),
            ("02009", 8),
            ("02014", 4),
            ("11531", 800),
            ("11167", 150),
        ),
        steps=(
            "Soak the beans overnight, drain, and boil for an hour until tender.\n"
            "Soften the onion, pepper and garlic in the oil with the spices.\n"
            "Add the beans, tomatoes and corn; simmer 30 minutes."
        ),
    ),
)

# Monday first, as the week view shows it. The days differ on purpose: some meet the
# target, some fall short, so the week view shows every status colour.
WEEK: tuple[DemoDay, ...] = (
    DemoDay(  # Monday: porridge with pumpkin seeds, salmon dinner, citrate with dinner
        meals={
            "Breakfast": _items(("08120", 40), ("01077", 244), ("09040", 118), ("12014", 9)),
            "Lunch": _items(("18075", 64), ("15121", 85), ("11457", 30)),
            "Dinner": _items(("15236", 150), ("20037", 202), ("11090", 91)),
            "Snacks": _items(("12061", 28.35), ("19904", 20)),
        },
        supplements=(CITRATE_WITH_DINNER,),
        notes="Batch-cooked brown rice for two days.",
    ),
    DemoDay(  # Tuesday: a light day that falls short
        meals={
            "Breakfast": _items(("01256", 170), ("09050", 74)),
            "Lunch": _items(("18075", 32), ("01123", 100)),
            "Dinner": _items(("05064", 140), ("20445", 158), ("11124", 61)),
            "Snacks": _items(
                ("09040", 118),
            ),
        },
    ),
    DemoDay(  # Wednesday: soaked black beans and a spinach salad (oxalate)
        meals={
            "Breakfast": _items(("08120", 40), ("01077", 244), ("09050", 74)),
            "Lunch": _items(("16015", 172, "soaked"), ("20037", 150), ("09037", 75)),
            "Dinner": _items(("15236", 120), ("11457", 90), ("11357", 173)),
            "Snacks": _items(
                ("19904", 28.35),
            ),
        },
        supplements=(CITRATE_WITH_DINNER,),
    ),
    DemoDay(  # Thursday: lentils and quinoa, vegetarian
        meals={
            "Breakfast": _items(("18075", 64), ("16098", 32), ("09040", 118)),
            "Lunch": _items(("16070", 198), ("11124", 61), ("18075", 32)),
            "Dinner": _items(("20137", 185), ("11090", 91), ("01123", 100)),
            "Snacks": _items(("12087", 28.35), ("01256", 170)),
        },
    ),
    DemoDay(  # Friday: pumpkin seeds at breakfast, citrate with dinner
        meals={
            "Breakfast": _items(("08120", 40), ("01077", 244), ("12014", 28.35)),
            "Lunch": _items(("15121", 85), ("18075", 64), ("09037", 75)),
            "Dinner": _items(("05064", 140), ("20037", 202), ("11457", 30)),
            "Snacks": _items(("12061", 28.35), ("09050", 74)),
        },
        supplements=(CITRATE_WITH_DINNER,),
    ),
    DemoDay(  # Saturday: brunch and a late dinner
        meals={
            "Breakfast": _items(("01123", 100), ("18075", 64), ("09037", 75)),
            "Lunch": _items(("01256", 170), ("09050", 74), ("12061", 14)),
            "Dinner": _items(("15236", 150), ("11357", 173), ("11090", 91)),
            "Snacks": _items(
                ("19904", 20),
            ),
        },
        notes="Eating out at lunch: a rough guess.",
    ),
    DemoDay(  # Sunday: beans and rice, lentil curry from the recipes, nothing from the pill box
        meals={
            "Breakfast": _items(("08120", 40), ("01077", 244), ("09040", 118)),
            "Lunch": _items(("16015", 172, "soaked"), ("20445", 158), ("11124", 61)),
            "Dinner": _items(
                ("20137", 185),
            ),
            "Snacks": _items(
                ("12087", 28.35),
            ),
        },
        recipes={"Dinner": (("Red lentil curry", Decimal(1)),)},
    ),
)


def demo_codes() -> set[str]:
    """Every SR28 code the demo week and the demo recipes use."""
    week = {item.code for day in WEEK for items in day.meals.values() for item in items}
    return week | {item.code for recipe in RECIPES for item in recipe.ingredients}


class DemoError(Exception):
    """The demo cannot be seeded (foods not loaded); the message is one line for stderr."""


@dataclass
class SeedReport:
    week_start: date
    lines: list[str] = field(default_factory=list)
    changed: bool = False
    # Accounts that existed before with another password: their password was left alone.
    kept_passwords: list[str] = field(default_factory=list)

    def note(self, line: str, *, changed: bool = True) -> None:
        self.lines.append(line)
        self.changed = self.changed or changed


def demo_foods() -> dict[str, Food]:
    """The SR28 foods of the demo week by code; DemoError when any is missing."""
    foods = {
        food.code: food
        for food in Food.objects.filter(
            source=FoodSource.USDA_SR28, owner__isnull=True, code__in=demo_codes()
        )
    }
    missing = sorted(demo_codes() - set(foods))
    if not foods:
        raise DemoError("no foods in the database: run load_foods first")
    if missing:
        names = ", ".join(f"{code} ({FOODS.get(code, '?')})" for code in missing)
        raise DemoError(f"foods missing from the database: {names}; run load_foods first")
    return foods


def _account(spec: DemoAccount, *, password: str, report: SeedReport) -> User:
    user = User.objects.filter(email__iexact=spec.email).first()
    if user is not None:
        if not user.check_password(password):
            report.kept_passwords.append(spec.email)
        report.note(f"{spec.key}: {spec.email} already exists, left as it is", changed=False)
        return user
    make = User.objects.create_superuser if spec.is_superuser else User.objects.create_user
    user = make(
        email=spec.email,
        password=password,
        display_name=spec.display_name,
        is_staff=spec.is_staff,
        is_dietitian=spec.is_dietitian,
    )
    year, month, day = spec.born
    profile_update(
        user=user,
        finish_onboarding=True,
        date_of_birth=date(year, month, day),
        sex=spec.sex,
        diet=spec.diet,
    )
    if spec.in_food_editors:
        # The foods data migration gives the group its permissions; by name only here, so a
        # database migrated before that migration existed still gets a working editor later.
        group, _ = Group.objects.get_or_create(name=FOOD_EDITORS_GROUP)
        user.groups.add(group)
    report.note(f"{spec.key}: created {spec.email}")
    return user


def _link(*, dietitian: User, client: User, report: SeedReport) -> None:
    """Link the demo dietitian to the demo person the way people do: invite, then accept,
    with the rights of DEMO_LINK_RIGHTS.

    A live link is left alone, rights and all: a second run changes nothing. An ended one
    is made again, since the demo promises "a dietitian linked to Ana" and a
    dietitian with no client shows nothing of the workspace; the output says so. Ending it
    in the app is a demo user trying that out, not a choice the next `make run` must keep.
    """
    from accounts.models import DietitianLink

    pair = DietitianLink.objects.filter(dietitian=dietitian, client=client)
    if pair.active().exists():
        report.note(f"link: {dietitian.email} and {client.email} already linked", changed=False)
        return
    ended = pair.filter(revoked_at__isnull=False).exists()
    try:
        # One unit: an acceptance refused leaves no invitation behind, and the rest of the
        # demo is still seeded.
        with transaction.atomic():
            _invite_and_accept(dietitian=dietitian, client=client)
    except ValidationError as error:
        report.note(f"link: not linked: {' '.join(error.messages)}", changed=False)
        return
    if ended:
        person = next(spec for spec in ACCOUNTS if spec.key == PERSON_KEY)
        report.note(
            f"link: Re-linked the dietitian with {person.display_name}: the demo link "
            f"had ended; {client.email} accepted {dietitian.email} again (rights as on the "
            f"first seed: {_rights_in_words()})"
        )
    else:
        report.note(f"link: {client.email} accepted {dietitian.email} as her dietitian")


def _rights_in_words() -> str:
    granted = [DEMO_LINK_RIGHTS_WORDS[name] for name, on in DEMO_LINK_RIGHTS.items() if on]
    return ", ".join(granted) or "see her plan only"


def _invite_and_accept(*, dietitian: User, client: User) -> None:
    """The dietitian's invitation to the person, accepted by her, through the link services.

    One the dietitian sent in the app and the person has not answered is the one she
    accepts: the services refuse a second while it waits.
    """
    from accounts.link_services import invitation_accept, invitation_create
    from accounts.models import Invitation, InvitationDirection

    direction = InvitationDirection.DIETITIAN_INVITES_CLIENT
    invitation = Invitation.objects.filter(
        sender=dietitian,
        addressee_email__iexact=client.email,
        direction=direction,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if invitation is None:
        invitation, _token = invitation_create(
            sender=dietitian, addressee_email=client.email, direction=direction
        )
    invitation_accept(invitation=invitation, user=client, **DEMO_LINK_RIGHTS)


def _recipe(
    *, person: User, spec: DemoRecipe, foods: dict[str, Food], report: SeedReport
) -> "Recipe":
    """The person's recipe called `spec.name`, made when missing (an existing one is kept,
    edits and all).
    """
    from plans import recipe_services
    from plans.models import Recipe

    recipe = Recipe.objects.filter(owner=person, name=spec.name).first()
    if recipe is not None:
        report.note(f"recipe {spec.name}: already there, left as it is", changed=False)
        return recipe
    recipe = recipe_services.recipe_create(
        owner=person,
        name=spec.name,
        servings=spec.servings,
        cooked_weight_grams=spec.cooked_weight_grams,
        steps=spec.steps,
        # Seen by her dietitian as soon as she links one.
        shared=True,
    )
    for item in spec.ingredients:
        recipe_services.recipe_ingredient_add(
            recipe=recipe, food=foods[item.code], grams=item.grams, preparation=item.preparation
        )
    report.note(f"recipe {spec.name}: created with {len(spec.ingredients)} foods")
    return recipe


def recipe_figures(recipe: "Recipe", *, person: User, on: date) -> str:
    """One serving's magnesium as the engine scores it (eaten as a meal by `person` on `on`)."""
    from accounts.selectors import person_on, profile_for
    from plans import recipes
    from plans.recipe_selectors import pure_recipe

    pure = pure_recipe(recipe)
    score = recipes.score_as_meal(pure, person_on(profile_for(user=person), on))
    return (
        f"{recipe.name}: per serving ({pure.serving_grams:.0f} g) "
        f"{score.food_mg:.1f} mg magnesium on the plate, {score.effective_mg:.1f} mg effective "
        f"eaten as a meal, {pure.per_serving().phytate_mg:.0f} mg phytate as prepared"
    )


def _plan_day(
    *,
    person: User,
    on: date,
    plan: DemoDay,
    foods: dict[str, Food],
    recipes: dict[str, "Recipe"],
    report: SeedReport,
) -> None:
    from plans import recipe_services, services
    from plans.models import Day, SupplementProduct
    from plans.selectors import day_get_for, day_item_count

    existing = day_get_for(user=person, on=on)
    if existing is not None and day_item_count(existing):
        report.note(f"{on:%a %-d %b}: already planned, left as it is", changed=False)
        return
    day = services.day_get_or_create(user=person, on=on, editor=person)
    meals = {meal.name: meal for meal in day.meals.all()}
    for name, items in plan.meals.items():
        meal = meals.get(name) or services.meal_add(day=day, name=name, editor=person)
        meals[name] = meal
        for item in items:
            services.meal_item_add(
                meal=meal,
                food=foods[item.code],
                editor=person,
                grams=item.grams,
                preparation=item.preparation,
            )
    for name, uses in plan.recipes.items():
        meal = meals.get(name) or services.meal_add(day=day, name=name, editor=person)
        meals[name] = meal
        for recipe_name, servings in uses:
            recipe_services.meal_recipe_add(
                meal=meal, recipe=recipes[recipe_name], editor=person, servings=servings
            )
    for supplement in plan.supplements:
        product = SupplementProduct.objects.filter(owner=person, name=supplement.name).first()
        if product is None:
            product = services.supplement_product_create(
                owner=person,
                kind="magnesium",
                name=supplement.name,
                form=supplement.form,
                amount_mg=supplement.compound_mg,
                amount_basis="compound",
            )
        services.supplement_dose_add(
            day=day,
            product=product,
            editor=person,
            quantity=Decimal(1),
            meal=meals.get(supplement.with_meal) if supplement.with_meal else None,
        )
    if plan.notes:
        # A fresh row: the writes above bumped the day's version.
        services.day_notes_update(day=Day.objects.get(pk=day.pk), notes=plan.notes, editor=person)
    count = sum(len(items) for items in plan.meals.values())
    doses = len(plan.supplements)
    dishes = sum(len(uses) for uses in plan.recipes.values())
    report.note(
        f"{on:%a %-d %b}: planned {count} foods"
        + (f", {dishes} recipe{'' if dishes == 1 else 's'}" if dishes else "")
        + (f" and {doses} supplement{'' if doses == 1 else 's'}" if doses else "")
    )


@transaction.atomic
def seed_demo(*, password: str, today: date) -> SeedReport:
    """Create what is missing of the demo: the accounts, the dietitian's link with the
    person, and the person's current week.

    Idempotent: an existing account, a live link or an already planned day is left as it
    is, so a second run changes nothing; a link ended since is made again. One transaction.
    Raises DemoError before writing when foods are missing.
    """
    foods = demo_foods()
    week_start = today - timedelta(days=today.weekday())
    report = SeedReport(week_start=week_start)
    users = {spec.key: _account(spec, password=password, report=report) for spec in ACCOUNTS}
    person = users[PERSON_KEY]
    _link(dietitian=users[DIETITIAN_KEY], client=person, report=report)
    recipes = {
        spec.name: _recipe(person=person, spec=spec, foods=foods, report=report) for spec in RECIPES
    }
    for offset, plan in enumerate(WEEK):
        _plan_day(
            person=person,
            on=week_start + timedelta(days=offset),
            plan=plan,
            foods=foods,
            recipes=recipes,
            report=report,
        )
    for recipe in recipes.values():
        report.note(recipe_figures(recipe, person=person, on=today), changed=False)
    # Written without requests: the pages of the accounts it touched are stale.
    site_stamp_bump()
    return report
