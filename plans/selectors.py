"""Reads for plans: a person's days with everything the day page needs, and their engine view.

Fetch-and-authorize in one call: what a user may not see is a 404 (Http404), never a 403
that would reveal it exists.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone

from accounts.models import Profile, User
from foods.selectors import KEPT_FOODS, food_values
from mgplanner.page_cache import site_stamp
from mgplanner.prepared import PreparedQuery
from plans.models import (
    Day,
    DayNote,
    Meal,
    MealItem,
    MealRecipe,
    MealTemplate,
    MealTemplateItem,
    MealTemplateRecipe,
    Plan,
    RecipeIngredient,
    SupplementDose,
    SupplementKind,
    SupplementProduct,
)

if TYPE_CHECKING:
    from plans import scoring
    from plans.targets import Person

# How far ahead a person may plan; further is almost surely a typo in the year.
PLAN_YEARS_AHEAD = 2


def plan_horizon(today: date) -> date:
    """The last day that can be planned: the same day two years on (28 Feb for 29 Feb)."""
    leap_day = (today.month, today.day) == (2, 29)
    return today.replace(year=today.year + PLAN_YEARS_AHEAD, day=28 if leap_day else today.day)


def plan_for(*, user: User) -> Plan | None:
    """The person's plan, or None before they first plan a day (reading never creates it)."""
    return Plan.objects.visible_to(user).filter(owner=user).first()


def day_date_error(
    *, profile: Profile, on: date, today: date | None = None, viewer: User | None = None
) -> str | None:
    """Why `on` cannot be planned, or None: before the person's first birthday (the model
    has no target under 1 year, so such a day could never be scored, and reports start
    there too), or over two years ahead.

    The person (or no `viewer`) reads "your date of birth"; anyone else, their dietitian,
    is told whose (the profile's user is fetched only then, on the error path).
    """
    from plans.targets import first_target_day

    today = today or timezone.localdate()
    born = profile.date_of_birth
    if born is not None and on < born + timedelta(days=366):  # the cheap test first
        first = first_target_day(born)
        if on < first:
            theirs = viewer is not None and viewer.pk != profile.user_id
            whose = f"{profile.user.name}'s" if theirs else "your"
            if on < born:
                return f"That day is before {whose} date of birth."
            return (
                f"Plans start on {whose} first birthday, {first:%-d %b %Y}: the model has "
                "no magnesium target under 1 year."
            )
    if on > plan_horizon(today):
        return f"Plans reach two years ahead, to {plan_horizon(today):%-d %b %Y}."
    return None


def range_date_problems(
    *, profile: Profile, start: date, end: date, viewer: User | None = None
) -> dict[str, str]:
    """Why a range of days (a report, a shopping list) cannot be taken, by form field, or
    empty: each end must be a day the planner takes (`day_date_error`)."""
    problems = {
        field: day_date_error(profile=profile, on=on, viewer=viewer)
        for field, on in (("start", start), ("end", end))
    }
    return {field: problem for field, problem in problems.items() if problem}


def week_dates_in_plan(*, profile: Profile, week_start: date, weeks: int = 0) -> list[date]:
    """The days of the week `weeks` after (before, if negative) the one starting on
    `week_start` that can be planned; none where that week is off the calendar."""
    try:
        start = week_start + timedelta(days=7 * weeks)
        dates = [start + timedelta(days=n) for n in range(7)]
    except OverflowError:
        return []
    return [on for on in dates if day_date_error(profile=profile, on=on) is None]


def live_items() -> QuerySet[MealItem]:
    return (
        MealItem.objects.filter(deleted_at__isnull=True)
        # The foods' portions are not fetched: only an open edit form lists them (one query
        # for that one item), and the day page shows a 30-item day with ~60 of them unused.
        .select_related("food", "portion")
        .order_by("position", "id")
    )


def _recipe_ingredients() -> Prefetch:
    ingredients = RecipeIngredient.objects.select_related("food").order_by("position", "id")
    return Prefetch("recipe__ingredients", queryset=ingredients, to_attr="ordered_ingredients")


def _live_meal_recipes_rows() -> QuerySet[MealRecipe]:
    return (
        MealRecipe.objects.filter(deleted_at__isnull=True)
        .select_related("recipe")
        .order_by("position", "id")
    )


def live_meal_recipes() -> QuerySet[MealRecipe]:
    """Recipes eaten in meals, each with its ingredients and their foods: two queries."""
    return _live_meal_recipes_rows().prefetch_related(_recipe_ingredients())


def _live_doses() -> QuerySet[SupplementDose]:
    return (
        SupplementDose.objects.filter(deleted_at__isnull=True)
        .select_related("product", "meal")
        .order_by("position", "id")
    )


def _days_with_notes_flag(days: QuerySet[Day]) -> QuerySet[Day]:
    # Lets the day page skip the notes query on the (most) days without a dietitian's note.
    return days.select_related("plan").annotate(
        has_dietitian_notes=Exists(DayNote.objects.filter(day=OuterRef("pk")))
    )


def _days_prefetched(user: User) -> QuerySet[Day]:
    """Days the user may see (their own and their clients'), with meals, live items and
    doses, as `own_days` gives them: six queries whatever the number of days."""
    meals = Meal.objects.order_by("position", "id").prefetch_related(
        Prefetch("items", queryset=live_items(), to_attr="live_items"),
        Prefetch("recipes", queryset=live_meal_recipes(), to_attr="live_recipes"),
    )
    return _days_with_notes_flag(
        Day.objects.filter(plan__in=Plan.objects.visible_to(user))
    ).prefetch_related(
        Prefetch("meals", queryset=meals, to_attr="ordered_meals"),
        Prefetch("supplement_doses", queryset=_live_doses(), to_attr="live_doses"),
    )


def _in_window(rows: QuerySet[Any], day_path: str) -> PreparedQuery[Any]:
    """`rows` of a person's own days from `start` to `end`, reached through `day_path`
    ("" for days themselves), compiled once (mgplanner/prepared.py): compiling was four
    fifths of loading a day."""
    owner, dates = f"{day_path}plan__owner_id", f"{day_path}date__range"
    return PreparedQuery(
        lambda owner_id, start, end: rows.filter(**{owner: owner_id, dates: (start, end)}),
        owner_id=int,
        start=date,
        end=date,
    )


# A person's own days, and what is in them, one table a query; items and recipes of a
# deleted meal are gone with it.
_OWN_DAYS = _in_window(_days_with_notes_flag(Day.objects.order_by("date")), "")
_OWN_MEALS = _in_window(Meal.objects.order_by("position", "id"), "day__")
_OWN_ITEMS = _in_window(live_items().filter(meal__deleted_at__isnull=True), "meal__day__")
_OWN_RECIPES = _in_window(
    _live_meal_recipes_rows().filter(meal__deleted_at__isnull=True), "meal__day__"
)
_OWN_DOSES = _in_window(_live_doses(), "day__")


def own_days(*, user: User, start: date, end: date) -> list[Day]:
    """The user's own days from `start` to `end` (both included), by date, each with
    `ordered_meals` (live meals; each with `live_items`, food and chosen portion, and
    `live_recipes` with their ingredients), `live_doses` (with product and meal) and
    `has_dietitian_notes`. A person's own, or a client's once the dietitian's link was
    checked. Five queries whatever the number of days (a sixth for recipes' ingredients
    when a recipe was eaten); one when no day is planned.
    """
    window = {"owner_id": user.pk, "start": start, "end": end}
    days = _OWN_DAYS(**window)
    if not days:
        return days
    meals_by_day: dict[int, list[Meal]] = defaultdict(list)
    for meal in _OWN_MEALS(**window):
        meals_by_day[meal.day_id].append(meal)
    items_by_meal: dict[int, list[MealItem]] = defaultdict(list)
    for item in _OWN_ITEMS(**window):
        items_by_meal[item.meal_id].append(item)
    recipes = _OWN_RECIPES(**window)
    if recipes:
        prefetch_related_objects(recipes, _recipe_ingredients())
    recipes_by_meal: dict[int, list[MealRecipe]] = defaultdict(list)
    for recipe in recipes:
        recipes_by_meal[recipe.meal_id].append(recipe)
    doses_by_day: dict[int, list[SupplementDose]] = defaultdict(list)
    for dose in _OWN_DOSES(**window):
        doses_by_day[dose.day_id].append(dose)
    for day in days:
        day.ordered_meals = meals_by_day[day.pk]  # type: ignore[attr-defined]
        for meal in day.ordered_meals:  # type: ignore[attr-defined]
            meal.live_items = items_by_meal[meal.pk]  # type: ignore[attr-defined]
            meal.live_recipes = recipes_by_meal[meal.pk]  # type: ignore[attr-defined]
        day.live_doses = doses_by_day[day.pk]  # type: ignore[attr-defined]
    return days


def unplanned_day(*, user: User, on: date) -> Day:
    """`user`'s day `on` as someone who may not plan it sees it before anyone has: unsaved,
    no meals, doses or notes. A read-only dietitian's look writes nothing to the client's
    plan (the day and its default meals are created by the first who may plan it)."""
    plan = Plan.objects.filter(owner=user).first() or Plan(owner=user)
    day = Day(plan=plan, date=on)
    day.ordered_meals = []  # type: ignore[attr-defined]
    day.live_doses = []  # type: ignore[attr-defined]
    day.has_dietitian_notes = False  # type: ignore[attr-defined]
    return day


def day_get_for(*, user: User, on: date) -> Day | None:
    """The user's day on `on`, fully loaded (`own_days`), or None when not planned yet."""
    days = own_days(user=user, start=on, end=on)
    return days[0] if days else None


def _meals_visible(pk: int, plans: QuerySet[Plan], include_deleted: bool) -> QuerySet[Meal]:
    meals = Meal.all_objects if include_deleted else Meal.objects
    return meals.filter(pk=pk, day__plan__in=plans).select_related("day", "day__plan")


def _items_visible(pk: int, plans: QuerySet[Plan], include_deleted: bool) -> QuerySet[MealItem]:
    # An item of a deleted meal is gone with it until the meal's Undo.
    items = MealItem.objects.filter(pk=pk, meal__day__plan__in=plans, meal__deleted_at__isnull=True)
    if not include_deleted:
        items = items.filter(deleted_at__isnull=True)
    return items.select_related("meal", "meal__day", "meal__day__plan", "food", "portion")


def _visible(lookup: Callable[[int, QuerySet[Plan], bool], QuerySet[Any]]) -> Callable[..., Any]:
    """`lookup(pk, plans, include_deleted)` as a fetch for `user`: the object or None.

    Every item and meal write starts with one of these. For a person who is not a dietitian,
    Plan.visible_to is their own plan whatever their id, so the lookup's SQL is the same for
    all of them and is compiled once (mgplanner/prepared.py); a dietitian's goes through the
    ORM each time.
    """
    persons = {
        deleted: PreparedQuery(
            lambda pk, owner, deleted=deleted: lookup(
                pk, Plan.objects.visible_to(User(pk=owner)), deleted
            ),
            pk=int,
            owner=int,
        )
        for deleted in (False, True)
    }

    def fetch(*, user: User, pk: int, include_deleted: bool) -> Any:
        if user.is_authenticated and not user.is_dietitian:
            return next(iter(persons[include_deleted](pk=pk, owner=user.pk)), None)
        return lookup(pk, Plan.objects.visible_to(user), include_deleted).first()

    return fetch


_visible_meal = _visible(_meals_visible)
_visible_item = _visible(_items_visible)


def meal_get_for(*, user: User, pk: int, include_deleted: bool = False) -> Meal:
    """A meal of a plan the user may see; a deleted one only with `include_deleted` (Undo)."""
    meal = _visible_meal(user=user, pk=pk, include_deleted=include_deleted)
    if meal is None:
        raise Http404("No such meal.")
    return meal


def meal_item_get_for(*, user: User, pk: int, include_deleted: bool = False) -> MealItem:
    item = _visible_item(user=user, pk=pk, include_deleted=include_deleted)
    if item is None:
        raise Http404("No such item.")
    return item


def engine_meal_names(names: list[str]) -> list[str]:
    # Supplements join a meal's occasion by its name, so two meals must not share one.
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _meals_of(day: Day) -> list[Meal]:
    meals = getattr(day, "ordered_meals", None)
    if meals is None:
        meals = list(
            day.meals.order_by("position", "id").prefetch_related(
                Prefetch("items", queryset=live_items(), to_attr="live_items"),
                Prefetch("recipes", queryset=live_meal_recipes(), to_attr="live_recipes"),
            )
        )
    return meals


def _doses_of(day: Day) -> list[SupplementDose]:
    doses = getattr(day, "live_doses", None)
    if doses is None:
        doses = list(
            day.supplement_doses.filter(deleted_at__isnull=True).select_related("product", "meal")
        )
    return doses


def day_item_count(day: Day) -> int:
    """What was planned on `day`: its live foods, recipes eaten and magnesium doses.

    The one rule for "planned": a day with none is missing data, not a day at 0 mg, and is
    left out of the week page's average, the dietitian's client list and reports alike.
    A recipe eaten counts once, like a food: the person planned one thing, whatever its
    ingredients. A vitamin D or calcium tablet alone says nothing of the day's magnesium,
    so it does not make the day planned (it would count as a day at 0 %).
    """
    planned = sum(len(meal.live_items) + len(meal.live_recipes) for meal in _meals_of(day))  # type: ignore[attr-defined]
    return planned + sum(dose.product.kind == SupplementKind.MAGNESIUM for dose in _doses_of(day))


def day_logged_without_magnesium(day: Day) -> tuple[str, ...]:
    """The kinds of tablet ("Calcium", "Vitamin D", sorted) logged on a day that
    `day_item_count` leaves unplanned; empty for a planned day and for an empty one.

    Such a day stays out of averages, but the pages must not say "Nothing planned" of a
    day the person logged a tablet on: this is the one rule that tells the two apart.
    """
    if day_item_count(day):
        return ()
    return tuple(sorted({dose.product.get_kind_display() for dose in _doses_of(day)}))


def day_to_engine(day: Day, person: "Person") -> "scoring.Day":
    """The engine's view of a day: items keyed "item-<id>", doses keyed "dose-<id>".

    Calcium tablets join as supplements carrying 0 mg magnesium, so their calcium counts
    toward the day's calcium; vitamin D is not part of the magnesium model.
    """
    from plans import recipes, scoring
    from plans.recipe_selectors import pure_recipe

    meals = _meals_of(day)
    names = engine_meal_names([meal.name for meal in meals])
    name_of = {meal.pk: name for meal, name in zip(meals, names, strict=True)}
    engine_meals = []
    for meal in meals:
        items = []
        for item in meal.live_items:
            values = food_values(item.food)
            items.append(
                scoring.Item(
                    name=values.name,
                    grams=item.grams,
                    magnesium_mg_per_100g=values.magnesium_mg_per_100g,
                    phytate_mg_per_100g=values.phytate_mg_per_100g,
                    oxalate_mg_per_100g=values.oxalate_mg_per_100g,
                    calcium_mg_per_100g=values.calcium_mg_per_100g,
                    kcal_per_100g=values.kcal_per_100g,
                    preparation=item.preparation,
                    code=values.code,
                    key=f"item-{item.pk}",
                )
            )
        # A recipe counts as its ingredients, scaled to the servings eaten.
        for used in getattr(meal, "live_recipes", ()):
            items.extend(
                recipes.engine_items(
                    pure_recipe(used.recipe),
                    float(used.servings),
                    key_prefix=recipes.meal_recipe_key(used.pk),
                )
            )
        engine_meals.append(scoring.Meal(name=name_of[meal.pk], items=tuple(items)))
    supplements = []
    for dose in _doses_of(day):
        product = dose.product
        if product.kind == SupplementKind.VITAMIN_D:
            continue
        quantity = float(dose.quantity)
        magnesium = product.kind == SupplementKind.MAGNESIUM
        # A dose whose meal was deleted is taken on its own (at its time, if it has one).
        with_meal = name_of.get(dose.meal_id) if dose.meal_id else None
        supplements.append(
            scoring.Supplement(
                form=product.form if magnesium else "other",
                elemental_mg=product.elemental_mg * quantity,
                name=product.name,
                with_meal=with_meal,
                calcium_mg=(product.calcium_mg or 0.0) * quantity,
                bioavailability=product.bioavailability if magnesium else None,
                key=f"dose-{dose.pk}",
                at=f"{dose.taken_at:%H:%M}" if dose.taken_at and with_meal is None else None,
            )
        )
    return scoring.Day(person=person, meals=tuple(engine_meals), supplements=tuple(supplements))


@dataclass(frozen=True, slots=True)
class DaySummary:
    date: date
    planned: bool
    item_count: int
    effective_mg: float | None
    target_mg: float | None
    percent_of_target: float | None
    status: str | None  # "meets" | "near" | "low", None when not planned or not scorable
    logged_without_magnesium: tuple[str, ...] = ()  # day_logged_without_magnesium


@dataclass(frozen=True, slots=True)
class WeekSummary:
    week_start: date
    days: tuple[DaySummary, ...]
    average_percent: float | None  # over the days planned with at least one item or dose
    average_effective_mg: float | None
    planned_days: int


def monday_of(on: date) -> date:
    return on - timedelta(days=on.weekday())


def week_summary(*, user: User, week_start: date, profile: Profile | None = None) -> WeekSummary:
    """Seven days from `week_start` (a Monday), each scored; the average of the planned ones."""
    from accounts.selectors import person_on, profile_for
    from plans.scoring import score_day
    from plans.targets import TargetError

    profile = profile or profile_for(user=user)
    dates = [week_start + timedelta(days=n) for n in range(7)]
    by_date = {day.date: day for day in own_days(user=user, start=dates[0], end=dates[-1])}
    summaries = []
    for on in dates:
        day = by_date.get(on)
        if day is None:
            summaries.append(DaySummary(on, False, 0, None, None, None, None))
            continue
        item_count = day_item_count(day)
        if not item_count:
            logged = day_logged_without_magnesium(day)
            summaries.append(DaySummary(on, True, 0, None, None, None, None, logged))
            continue
        try:
            score = score_day(day_to_engine(day, person_on(profile, on)))
        except (TargetError, ValueError):
            summaries.append(DaySummary(on, True, item_count, None, None, None, None))
            continue
        summaries.append(
            DaySummary(
                on,
                True,
                item_count,
                score.effective_mg,
                score.target_mg,
                score.percent_of_target,
                score.status,
            )
        )
    scored = [s for s in summaries if s.item_count and s.percent_of_target is not None]
    average_percent = sum(s.percent_of_target for s in scored) / len(scored) if scored else None  # type: ignore[misc]
    average_mg = sum(s.effective_mg for s in scored) / len(scored) if scored else None  # type: ignore[misc]
    return WeekSummary(week_start, tuple(summaries), average_percent, average_mg, len(scored))


def foods_for_picker(*, user: User, query: str = "", limit: int = 12) -> list[dict[str, Any]]:
    """Foods to offer in the add-food box: the person's recent and frequent foods first,
    then the search results; custom foods included. Each entry says why it is offered.

    Only live items count: a food whose item (or meal) was deleted is not eaten, and should
    not come first as "recent"; one deleted by mistake and undone is live again.
    """
    words = query.split()
    used = (
        MealItem.objects.live()
        .filter(meal__day__plan__owner=user)
        .filter(Q(food__owner__isnull=True) | Q(food__owner=user))
        .values("food")
        .annotate(uses=Count("id"), last_used=Max("created_at"))
    )
    for word in words:
        used = used.filter(food__description__icontains=word)
    recent_ids = [row["food"] for row in used.order_by("-last_used")[:5]]
    frequent_ids = [row["food"] for row in used.order_by("-uses", "-last_used")[:5]]
    own_ids = list(dict.fromkeys(recent_ids + frequent_ids))
    own = KEPT_FOODS.get_many(own_ids, stamp=site_stamp(user))
    entries: list[dict[str, Any]] = [
        {"food": own[pk], "why": "recent" if pk in recent_ids else "frequent"}
        for pk in own_ids
        if pk in own
    ]
    if words:
        from foods.selectors import food_search

        for food in food_search(user=user, query=query, limit=limit):
            if food.pk not in own:
                entries.append({"food": food, "why": "search"})
    return entries[:limit]


# ---------------------------------------------------------------- supplements and templates


# On every day page: compiled once (mgplanner/prepared.py).
_PRODUCTS_OF = PreparedQuery(
    lambda owner: SupplementProduct.objects.filter(owner_id=owner, archived=False).order_by(
        "name", "id"
    ),
    owner=int,
)


def supplement_products_for(*, user: User) -> list[SupplementProduct]:
    """The person's saved products ("my supplements"), by name."""
    return _PRODUCTS_OF(owner=user.pk)


def supplement_product_get_for(*, user: User, pk: int) -> SupplementProduct:
    product = SupplementProduct.objects.filter(pk=pk, owner=user).first()
    if product is None:
        raise Http404("No such supplement.")
    return product


def supplement_dose_get_for(
    *, user: User, pk: int, include_deleted: bool = False
) -> SupplementDose:
    doses = SupplementDose.objects.filter(pk=pk, day__plan__in=Plan.objects.visible_to(user))
    if not include_deleted:
        doses = doses.filter(deleted_at__isnull=True)
    dose = doses.select_related("day", "day__plan", "product", "meal").first()
    if dose is None:
        raise Http404("No such supplement dose.")
    return dose


def meal_templates_for(*, user: User) -> QuerySet[MealTemplate]:
    """The person's templates with their foods and recipes, in three queries."""
    return (
        MealTemplate.objects.filter(owner=user)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=MealTemplateItem.objects.select_related("food", "portion").order_by(
                    "position", "id"
                ),
                to_attr="ordered_items",
            ),
            Prefetch(
                "recipes",
                queryset=MealTemplateRecipe.objects.select_related("recipe").order_by(
                    "position", "id"
                ),
                to_attr="ordered_recipes",
            ),
        )
        .order_by("name", "id")
    )


def meal_template_get_for(*, user: User, pk: int) -> MealTemplate:
    template = MealTemplate.objects.filter(pk=pk, owner=user).first()
    if template is None:
        raise Http404("No such template.")
    return template
