"""Reads for recipes and the shopping list.

What a user may not see is a 404, never a 403: someone else's private recipe does not exist
for them. Shared recipes of linked people are readable; only the owner may change one.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import Case, Count, Prefetch, QuerySet, Value, When
from django.http import Http404

from accounts.models import Profile, User
from accounts.selectors import profile_for
from foods.models import Food, Portion
from plans import recipes
from plans.models import (
    Day,
    MealItem,
    MealRecipe,
    Plan,
    Recipe,
    RecipeIngredient,
    ShoppingTick,
)
from plans.swaps import role_for

# The longest range a shopping list covers: a month of planning at once.
MAX_SHOPPING_DAYS = 31


def pure_recipe(recipe: Recipe) -> recipes.Recipe:
    """The recipe as plain values; its ingredients must be prefetched as `ordered_ingredients`
    (else one query fetches them).
    """
    lines = getattr(recipe, "ordered_ingredients", None)
    if lines is None:
        lines = list(recipe.ingredients.select_related("food").order_by("position", "id"))
    return recipes.Recipe(
        name=recipe.name,
        servings=recipe.servings,
        cooked_weight_grams=recipe.cooked_weight_grams,
        ingredients=tuple(_pure_ingredient(line) for line in lines),
    )


def _pure_ingredient(line: RecipeIngredient) -> recipes.Ingredient:
    food = line.food
    return recipes.Ingredient(
        name=food.description,
        grams=line.grams,
        magnesium_mg_per_100g=food.magnesium_mg_per_100g or 0.0,
        phytate_mg_per_100g=food.phytate_mg_per_100g or 0.0,
        oxalate_mg_per_100g=food.oxalate_mg_per_100g or 0.0,
        calcium_mg_per_100g=food.calcium_mg_per_100g or 0.0,
        kcal_per_100g=food.kcal_per_100g or 0.0,
        protein_g_per_100g=food.protein_g_per_100g or 0.0,
        fat_g_per_100g=food.fat_g_per_100g or 0.0,
        carbohydrate_g_per_100g=food.carbohydrate_g_per_100g or 0.0,
        fibre_g_per_100g=food.fibre_g_per_100g or 0.0,
        preparation=line.preparation,
        role=role_for(food.description, food.food_group),
        code=food.code,
        key=str(line.pk) if line.pk else None,
        phytate_basis=food.get_phytate_basis_display(),
        oxalate_basis=food.get_oxalate_basis_display(),
    )


def _ingredients_prefetch() -> Prefetch:
    return Prefetch(
        "ingredients",
        queryset=RecipeIngredient.objects.select_related("food", "portion")
        .prefetch_related(Prefetch("food__portions", queryset=Portion.objects.order_by("seq")))
        .order_by("position", "id"),
        to_attr="ordered_ingredients",
    )


def recipe_scoring_profile_for(*, recipe: Recipe, viewer: User) -> Profile:
    """The profile a recipe's effective Mg is scored for: its owner's, the person it belongs
    to, while they have a date of birth (a dietitian viewing a client's recipe sees the
    client's figures); else the viewer's.
    """
    owner_profile = Profile.objects.filter(user_id=recipe.owner_id).first()
    if owner_profile is not None and owner_profile.date_of_birth is not None:
        return owner_profile
    return profile_for(user=viewer)


def recipes_for(*, user: User) -> QuerySet[Recipe]:
    """The user's recipes and those shared with them, owners' first, by name."""
    return (
        Recipe.objects.visible_to(user)
        .select_related("owner")
        .annotate(ingredient_count=Count("ingredients"))
        # The user's own first: those are the ones they edit.
        .annotate(theirs=Case(When(owner=user, then=Value(0)), default=Value(1)))
        .order_by("theirs", "name", "id")
    )


def recipes_usable_in_plan(*, owner: User, editor: User) -> QuerySet[Recipe]:
    """The recipes `editor` may put into a meal of `owner`'s plan: those both may open.

    The plan's owner must be able to open every recipe their day shows, so a dietitian
    planning a client's day gets the client's shared recipes and their own shared ones,
    never their private ones nor another client's. The editor must be able to open it
    too, so a client's private recipe stays private from their dietitian.
    """
    usable = Recipe.objects.visible_to(owner)
    if editor.pk != owner.pk:
        usable = usable.filter(pk__in=Recipe.objects.visible_to(editor).values("pk"))
    return usable


def recipes_to_plan_for(*, owner: User, editor: User) -> QuerySet[Recipe]:
    """`recipes_usable_in_plan` as a list to pick from: the plan owner's own first, by name."""
    if editor.pk == owner.pk:
        return recipes_for(user=owner)
    usable = recipes_usable_in_plan(owner=owner, editor=editor)
    return recipes_for(user=owner).filter(pk__in=usable.values("pk"))


def recipe_get_for(*, user: User, pk: int, editable: bool = False) -> Recipe:
    """A recipe the user may see (may change, with `editable`) with its ingredients, their
    foods and the foods' household measures; Http404 otherwise.
    """
    recipes_qs = Recipe.objects.visible_to(user)
    if editable:
        recipes_qs = recipes_qs.filter(owner=user)
    recipe = (
        recipes_qs.filter(pk=pk)
        .select_related("owner")
        .prefetch_related(_ingredients_prefetch())
        .first()
    )
    if recipe is None:
        raise Http404("No such recipe.")
    return recipe


def recipes_openable_by(*, user: User, recipes_used: list[Recipe]) -> set[int]:
    """Which of `recipes_used` (eaten on a day `user` sees) `user` may open: a day can name
    a recipe its viewer gets a 404 for (a client's private recipe on their dietitian's
    screen; a recipe whose sharer's link has ended), and such a name is not a link. One
    query, and none when every recipe is the user's own."""
    own = {recipe.pk for recipe in recipes_used if recipe.owner_id == user.pk}
    others = {recipe.pk for recipe in recipes_used} - own
    if not others:
        return own
    return own | set(
        Recipe.objects.visible_to(user).filter(pk__in=others).values_list("pk", flat=True)
    )


def recipe_ingredient_get_for(*, user: User, pk: int) -> RecipeIngredient:
    """An ingredient of one of the user's own recipes (only owners change recipes)."""
    line = (
        RecipeIngredient.objects.filter(pk=pk, recipe__owner=user)
        .select_related("recipe", "food", "portion")
        .first()
    )
    if line is None:
        raise Http404("No such ingredient.")
    return line


def meal_recipe_get_for(*, user: User, pk: int, include_deleted: bool = False) -> MealRecipe:
    """A recipe in a meal of a plan the user may see (a removed one too, for Undo)."""
    # A recipe in a deleted meal is gone with it until the meal's Undo.
    uses = MealRecipe.objects.filter(
        pk=pk, meal__day__plan__in=Plan.objects.visible_to(user), meal__deleted_at__isnull=True
    )
    if not include_deleted:
        uses = uses.filter(deleted_at__isnull=True)
    used = uses.select_related("meal", "meal__day", "meal__day__plan", "recipe").first()
    if used is None:
        raise Http404("No such recipe in a meal.")
    return used


def recipe_use_count(recipe: Recipe) -> int:
    """How many meals (live or undoable) still name the recipe."""
    return recipe.meal_uses.count()


# ---------------------------------------------------------------- shopping list


@dataclass(frozen=True, slots=True)
class ShoppingLine:
    food: Food
    grams: float
    measure: str  # "≈ 2¼ × 1 cup", or "" when grams say it best
    ticked: bool


@dataclass(frozen=True, slots=True)
class ShoppingAisle:
    name: str
    lines: tuple[ShoppingLine, ...]


@dataclass(frozen=True, slots=True)
class ShoppingList:
    start: date
    end: date
    aisles: tuple[ShoppingAisle, ...]

    @property
    def line_count(self) -> int:
        return sum(len(aisle.lines) for aisle in self.aisles)


_QUARTERS = {0: "", 1: "¼", 2: "½", 3: "¾"}

# A measure one buys as it is, whole: "1 medium (7" to 7-7/8" long)", "1 clove", "1 bunch",
# not a cup, a spoon, a slice or a leaf of it (USDA's units name the piece first).
_WHOLE_UNIT = re.compile(
    r"^[\d./]+\s+(?:(?:extra\s+)?(?:small|medium|large)\b|jumbo\b|whole\b|fruit\b|cloves?\b"
    r"|bunch\b|head\b|package\b|can\b|bottle\b|container\b|loaf\b|stalks?\b|ear\b"
    r"|breast\b|fillet\b|links?\b|bar\b)",
    re.IGNORECASE,
)
# How many whole pieces a list may ask for; cups and spoons, from a quarter to twenty.
_WHOLE_COUNTS = (0.5, 24)
_MEASURE_COUNTS = (0.25, 20)


def household_measure(grams: float, portions: list[Portion]) -> str:
    """A count of one of the food's USDA measures to the nearest quarter, as a shopper
    counts: whole pieces when the food has a measure of them that fits ("≈ 2 × 1 medium",
    not "≈ 1 × 1 cup, mashed" of bananas), USDA's usual one (the first) when it is such a
    piece, else the medium size, else the first piece listed; otherwise the first measure
    when it gives a quarter to twenty; else, for an amount far smaller or larger than it
    (3 g of garlic against "1 cup"), the measure that gives a count of about one to twenty
    closest to whole; "" when none does.
    """
    usable = [portion for portion in portions if portion.grams > 0]
    if not usable:
        return ""

    def count(portion: Portion) -> float:
        return grams / portion.grams

    def text(portion: Portion) -> str:
        # A measure of part of a piece ("0.5 fillet") is counted in whole ones: "≈ ¾ × 1
        # fillet", not "≈ 1½ × 0.5 fillet".
        amount = float(getattr(portion, "amount", 1) or 1)
        label = f"1 {portion.unit}" if amount < 1 else portion.label
        times = count(portion) * (amount if amount < 1 else 1)
        whole, part = divmod(round(times * 4), 4)
        return f"≈ {(str(whole) if whole else '') + _QUARTERS[part]} × {label}"

    low, high = _WHOLE_COUNTS
    pieces = [p for p in usable if _WHOLE_UNIT.match(p.label) and low <= count(p) <= high]
    if pieces:
        usual = pieces[0] if pieces[0] is usable[0] else None
        medium = next((p for p in pieces if "medium" in p.label.lower()), None)
        return text(usual or medium or pieces[0])
    low, high = _MEASURE_COUNTS
    if low <= count(usable[0]) <= high:
        return text(usable[0])
    fitting = [p for p in usable if 0.75 <= count(p) <= high]
    if not fitting:
        return ""
    best = min(fitting, key=lambda p: abs(count(p) - round(count(p))) / count(p))
    return text(best)


def _add(totals: dict[int, float], foods: dict[int, Food], food: Food, grams: float) -> None:
    totals[food.pk] += grams
    foods[food.pk] = food


def shopping_list_for(*, user: User, start: date, end: date) -> ShoppingList:
    """Every food of every live item and recipe ingredient planned from `start` to `end`,
    summed per food, grouped by food group, with the user's ticks: six queries.
    """
    days = Day.objects.filter(plan__owner=user, date__range=(start, end))
    totals: dict[int, float] = defaultdict(float)
    foods: dict[int, Food] = {}
    items = MealItem.objects.live().filter(meal__day__in=days).select_related("food")
    for item in items:
        _add(totals, foods, item.food, item.grams)
    used = (
        MealRecipe.objects.live()
        .filter(meal__day__in=days)
        .select_related("recipe")
        .prefetch_related(
            Prefetch(
                "recipe__ingredients",
                queryset=RecipeIngredient.objects.select_related("food"),
                to_attr="ordered_ingredients",
            )
        )
    )
    for meal_recipe in used:
        factor = Fraction(meal_recipe.servings) / meal_recipe.recipe.servings
        for line in meal_recipe.recipe.ordered_ingredients:  # type: ignore[attr-defined]
            _add(totals, foods, line.food, line.grams * float(factor))
    portions: dict[int, list[Portion]] = defaultdict(list)
    for portion in Portion.objects.filter(food__in=list(foods)).order_by("food", "seq"):
        portions[portion.food_id].append(portion)
    ticked = set(
        ShoppingTick.objects.filter(owner=user, start=start, end=end).values_list("food", flat=True)
    )
    by_group: dict[str, list[ShoppingLine]] = defaultdict(list)
    for pk, grams in totals.items():
        food = foods[pk]
        by_group[food.food_group or "Other"].append(
            ShoppingLine(
                food=food,
                grams=recipes.grams_to_buy(grams),
                measure=household_measure(grams, portions[pk]),
                ticked=pk in ticked,
            )
        )
    aisles = tuple(
        ShoppingAisle(name, tuple(sorted(lines, key=lambda line: line.food.description)))
        for name, lines in sorted(by_group.items())
    )
    return ShoppingList(start=start, end=end, aisles=aisles)
