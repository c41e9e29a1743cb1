"""Reads for the dietitian's tools: notes a user may read, their templates, and a client's
report (scored days, items, shared notes) over a date range.

Whoever calls these has already resolved the plan's owner through an access check
(`accounts.selectors.client_get_for`, or the user themself).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import Profile, User
from accounts.selectors import person_on, profile_for
from foods.selectors import food_values
from plans.models import (
    Day,
    DayNote,
    DayTemplate,
    DayTemplateItem,
    DayTemplateRecipe,
    NoteVisibility,
    SupplementDose,
    WeekTemplate,
)
from plans.recipe_selectors import pure_recipe
from plans.recipes import meal_recipe_scores, servings_label
from plans.reports import Report, ReportDayInput, build_report
from plans.scoring import score_day
from plans.selectors import (
    _doses_of,
    _meals_of,
    day_item_count,
    day_logged_without_magnesium,
    day_to_engine,
    own_days,
    range_date_problems,
)
from plans.targets import TargetError


def notes_visible_to(*, user: User, days: list[Day]) -> QuerySet[DayNote]:
    """Shared notes, and the user's own private ones: a private note has one reader, its author."""
    return (
        DayNote.objects.filter(day__in=days)
        .filter(Q(visibility=NoteVisibility.SHARED) | Q(author=user))
        .select_related("author")
        .order_by("day__date", "created_at", "id")
    )


def day_note_get_for(*, user: User, pk: int) -> DayNote:
    """A note its author may delete; anyone else gets a 404, whatever its visibility."""
    note = DayNote.objects.filter(pk=pk, author=user).select_related("day", "day__plan").first()
    if note is None:
        raise Http404("No such note.")
    return note


def day_templates_for(*, user: User) -> QuerySet[DayTemplate]:
    """The user's day templates (not the days inside week templates) with their item counts."""
    return (
        DayTemplate.objects.filter(owner=user, week__isnull=True)
        .annotate(item_count=Count("items"))
        .order_by("name", "id")
    )


def week_templates_for(*, user: User) -> QuerySet[WeekTemplate]:
    return (
        WeekTemplate.objects.filter(owner=user)
        .annotate(item_count=Count("days__items"))
        .order_by("name", "id")
    )


def template_get_for(*, user: User, kind: str, pk: int) -> DayTemplate | WeekTemplate:
    """A day (`kind="day"`) or week template of the user's; 404 for anyone else's."""
    template: DayTemplate | WeekTemplate | None
    if kind == "day":
        template = DayTemplate.objects.filter(pk=pk, owner=user, week__isnull=True).first()
    elif kind == "week":
        template = WeekTemplate.objects.filter(pk=pk, owner=user).first()
    else:
        template = None
    if template is None:
        raise Http404("No such template.")
    return template


def template_recipe_lines(*, user: User) -> dict[tuple[str, int], list[str]]:
    """The recipes of each of the user's templates, keyed ("day", pk) or ("week", pk), as
    "Breakfast: Overnight oats (1 serving)" (a week's lines start "Day 2, "). One query."""
    lines: dict[tuple[str, int], list[str]] = {}
    rows = (
        DayTemplateRecipe.objects.filter(template__owner=user)
        .select_related("recipe", "template")
        .order_by("template__offset", "template_id", "meal_position", "position", "id")
    )
    for used in rows:
        template = used.template
        line = f"{used.meal_name}: {used.recipe.name} ({servings_label(used.servings)})"
        if template.week_id is None:
            lines.setdefault(("day", template.pk), []).append(line)
        else:
            key = ("week", template.week_id)
            lines.setdefault(key, []).append(f"Day {(template.offset or 0) + 1}, {line}")
    return lines


def template_items(template: DayTemplate) -> QuerySet[DayTemplateItem]:
    return template.items.select_related("food", "portion").order_by(
        "meal_position", "position", "id"
    )


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One food, recipe eaten or supplement dose of a day, for the CSV export.

    A recipe is one row, as the day page lists it: its servings, the grams of the dish they
    weigh, and its ingredients' magnesium and effective mg summed, so a day's rows add up
    to its effective mg.
    """

    date: date
    meal: str
    kind: str  # "food" | "recipe" | "supplement"
    code: str
    name: str
    amount: str
    grams: float | None
    preparation: str
    magnesium_mg: float
    effective_mg: float | None


@dataclass(frozen=True, slots=True)
class ReportData:
    report: Report
    profile: Profile
    days: list[Day]
    shared_notes: list[DayNote]
    items: list[ItemRow]


def _range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def report_range_problems(*, owner: User, start: date, end: date, viewer: User) -> dict[str, str]:
    """Why `owner`'s report from `start` to `end` cannot be made, by form field (empty when
    it can): the days the planner refuses (`range_date_problems`: before the first birthday,
    since every day is scored against a target and there is none under 1 year, or over two
    years ahead)."""
    return range_date_problems(profile=profile_for(user=owner), start=start, end=end, viewer=viewer)


def _dose_occasion(dose: SupplementDose) -> str:
    """The meal column of a dose: the meal, or on its own at its time, as the score panel
    names the occasion (two doses on their own at 08:00 and 20:00 are two occasions)."""
    if dose.taken_with:
        return dose.taken_with.name
    return f"On its own, {dose.taken_at:%H:%M}" if dose.taken_at else "On its own"


def report_data(*, owner: User, start: date, end: date) -> ReportData:
    """Score every day of `owner`'s plan from `start` to `end` (inclusive) and aggregate.

    A fixed number of queries whatever the range: the days with meals, items, recipes
    eaten with their ingredients, and doses prefetched (`own_days`), then the shared notes.
    """
    profile = profile_for(user=owner)
    days = own_days(user=owner, start=start, end=end)
    by_date = {day.date: day for day in days}
    inputs: list[ReportDayInput] = []
    rows: list[ItemRow] = []
    for on in _range(start, end):
        day = by_date.get(on)
        if day is None:
            inputs.append(ReportDayInput(on, 0, None))
            continue
        meals = _meals_of(day)
        doses = _doses_of(day)
        try:
            score = score_day(day_to_engine(day, person_on(profile, on)))
        except (TargetError, ValueError):
            score = None
        item_scores = [item for o in score.occasions for item in o.items] if score else []
        effective = {item.key: item.effective_mg for item in item_scores}
        # A recipe reaches the engine as its ingredients ("recipe-<id>-<n>"): summed back.
        recipe_effective = {pk: mg for pk, (_, mg) in meal_recipe_scores(item_scores).items()}
        for meal in meals:
            for item in meal.live_items:  # type: ignore[attr-defined]
                values = food_values(item.food)
                rows.append(
                    ItemRow(
                        date=on,
                        meal=meal.name,
                        kind="food",
                        code=values.code or "",
                        name=values.name,
                        amount=item.amount_label,
                        grams=item.grams,
                        preparation=item.preparation,
                        magnesium_mg=item.grams * values.magnesium_mg_per_100g / 100,
                        effective_mg=effective.get(f"item-{item.pk}"),
                    )
                )
            for used in meal.live_recipes:  # type: ignore[attr-defined]
                recipe = pure_recipe(used.recipe)
                servings = float(used.servings)
                # The grams typed when they were, else what the servings weigh (of the
                # cooked weight when the recipe has one); none for a recipe with no weight.
                grams = used.grams or round(servings * recipe.serving_grams, 1) or None
                rows.append(
                    ItemRow(
                        date=on,
                        meal=meal.name,
                        kind="recipe",
                        code="",
                        name=used.recipe.name,
                        amount=servings_label(used.servings),
                        grams=grams,
                        preparation="",
                        magnesium_mg=recipe.per_serving().magnesium_mg * servings,
                        # No entry for a recipe with no ingredients: it gave 0 mg.
                        effective_mg=recipe_effective.get(used.pk, 0.0) if score else None,
                    )
                )
        for dose in doses:
            rows.append(
                ItemRow(
                    date=on,
                    meal=_dose_occasion(dose),
                    kind="supplement",
                    code=dose.product.form,
                    name=dose.product.name,
                    amount=str(dose),
                    grams=None,
                    preparation="",
                    magnesium_mg=dose.product.elemental_mg * float(dose.quantity),
                    effective_mg=effective.get(f"dose-{dose.pk}"),
                )
            )
        inputs.append(
            ReportDayInput(on, day_item_count(day), score, day_logged_without_magnesium(day))
        )
    shared = list(
        DayNote.objects.filter(day__in=days, visibility=NoteVisibility.SHARED)
        .select_related("author", "day")
        .order_by("day__date", "created_at", "id")
    )
    return ReportData(
        report=build_report(start, end, inputs),
        profile=profile,
        days=days,
        shared_notes=shared,
        items=rows,
    )
