"""Week and day planning pages, and the writes of the day page.

Every write is a form POST: without JavaScript it redirects back to the day (PRG); with
htmx it returns the day's meals block plus the score panel swapped out of band, so the
score updates with every change. Invalid input re-renders the meals block, the failing
form bound with its errors, with status 422: nothing already saved is lost.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from jinja2_fragments import render_blocks

from accounts.decorators import profile_required
from accounts.models import Profile, User
from accounts.selectors import person_on, profile_for
from foods.models import Food
from mgplanner.rendering import render_page
from plans import charts_panel, scoring, services
from plans.forms import AmountForm, DayNotesForm, MealItemAddForm, MealMoveForm, MealNameForm
from plans.models import MAX_ITEM_GRAMS, Day, Meal, MealItem, Preparation
from plans.selectors import (
    day_date_error,
    day_get_for,
    day_to_engine,
    engine_meal_names,
    foods_for_picker,
    meal_get_for,
    meal_item_get_for,
    monday_of,
    week_summary,
)
from plans.targets import TargetError

DAY_TEMPLATE = "plans/day.html"
# What the amount fields need in every fragment that renders them.
FORM_CONSTANTS = {"preparations": Preparation.choices, "max_grams": MAX_ITEM_GRAMS}


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _date_or_404(value: str) -> date:
    on = _parse_date(value)
    if on is None:
        raise Http404("Not a date.")
    return on


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _day_url(on: date, **query: Any) -> str:
    url = reverse("plans:day", args=[on.isoformat()])
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# ---------------------------------------------------------------- week


@require_GET
def plan_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return HttpResponseRedirect(reverse("plans:week", args=[monday_of(today).isoformat()]))


@profile_required
@require_GET
def week(request: HttpRequest, on: str) -> HttpResponse:
    start = _date_or_404(on)
    if start.weekday() != 0:
        return HttpResponseRedirect(reverse("plans:week", args=[monday_of(start).isoformat()]))
    profile = profile_for(user=_user(request))
    summary = week_summary(user=_user(request), week_start=start, profile=profile)
    today = timezone.localdate()
    return render_page(
        request,
        "plans/week.html",
        {
            "summary": summary,
            "today": today,
            "this_week": monday_of(today),
            "status_labels": scoring.STATUS_LABELS,
        },
        block="week_body",
    )


# ---------------------------------------------------------------- day


def _score_context(day: Day, profile: Profile) -> dict[str, Any]:
    """The score panel: score, waterfall, per-meal, top sources; or why there is none."""
    try:
        score = scoring.score_day(day_to_engine(day, person_on(profile, day.date)))
    except (TargetError, ValueError) as error:
        return {"score": None, "score_problem": str(error)}
    steps = scoring.waterfall(score)
    sources = sorted(
        (item for occasion in score.occasions for item in occasion.items),
        key=lambda item: item.effective_mg,
        reverse=True,
    )
    names = engine_meal_names([meal.name for meal in day.ordered_meals])  # type: ignore[attr-defined]
    by_name = {occasion.name: occasion for occasion in score.occasions}
    meal_scores = {
        meal.pk: by_name.get(name)
        for meal, name in zip(day.ordered_meals, names, strict=True)  # type: ignore[attr-defined]
    }
    occasions = [
        {
            "label": occasion.name.removeprefix("supplement:")
            + ("" if occasion.is_meal else " (supplement)"),
            "magnesium_mg": occasion.magnesium_mg,
            "effective_mg": occasion.effective_mg,
        }
        for occasion in score.occasions
    ]
    return {
        "score": score,
        "score_problem": None,
        "meal_scores": meal_scores,
        "occasions": occasions,
        "status_label": scoring.STATUS_LABELS[score.status],
        "gauge": charts_panel.gauge(score.percent_of_target),
        "waterfall": charts_panel.waterfall_bars([tuple(step) for step in steps]),
        "top_sources": [item for item in sources if item.effective_mg > 0][:5],
        "item_scores": {item.key: item for item in sources if item.key},
    }


def _day_context(
    request: HttpRequest,
    day: Day,
    *,
    profile: Profile | None = None,
    forms: dict[str, Any] | None = None,
    oob: bool = False,
) -> dict[str, Any]:
    user = _user(request)
    profile = profile or profile_for(user=user)
    meals: list[Meal] = day.ordered_meals  # type: ignore[attr-defined]
    search_meal = _int(request.GET.get("meal"))
    query = request.GET.get("q", "").strip()[:100]
    picked_food = None
    if search_meal is not None and _int(request.GET.get("food")) is not None:
        picked_food = Food.objects.visible_to(user).filter(pk=_int(request.GET.get("food"))).first()
    undo_item = None
    undo_pk = _int(request.GET.get("undo"))
    if undo_pk is not None:
        undo_item = (
            MealItem.objects.filter(pk=undo_pk, meal__day=day, deleted_at__isnull=False)
            .select_related("food")
            .first()
        )
    context: dict[str, Any] = {
        "day": day,
        "meals": meals,
        "forms": forms or {},
        "search_meal": search_meal,
        "query": query,
        "suggestions": (
            foods_for_picker(user=user, query=query) if search_meal is not None else []
        ),
        "picked_food": picked_food,
        "picked_form": (
            MealItemAddForm(user=user, food=picked_food, prefix=f"add-{search_meal}")
            if picked_food
            else None
        ),
        "undo_item": undo_item,
        "notes_form": (forms or {}).get("notes") or DayNotesForm(initial={"notes": day.notes}),
        "add_meal_form": (forms or {}).get("add_meal") or MealNameForm(),
        "previous_day": day.date.fromordinal(day.date.toordinal() - 1),
        "next_day": day.date.fromordinal(day.date.toordinal() + 1),
        "week_start": monday_of(day.date),
        "oob": oob,
        **FORM_CONSTANTS,
    }
    context.update(_score_context(day, profile))
    return context


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _load_day(request: HttpRequest, on: date) -> Day:
    """The day with everything prefetched, created on first visit (with the default meals)."""
    user = _user(request)
    day = day_get_for(user=user, on=on)
    if day is None:
        services.day_get_or_create(user=user, on=on, editor=user)
        day = day_get_for(user=user, on=on)
    assert day is not None  # noqa: S101 - created just above
    return day


@profile_required
@require_GET
def day_page(request: HttpRequest, on: str) -> HttpResponse:
    the_date = _date_or_404(on)
    profile = profile_for(user=_user(request))
    if day_date_error(profile=profile, on=the_date):
        raise Http404("That day is outside your plan.")
    day = _load_day(request, the_date)
    return render_page(request, DAY_TEMPLATE, _day_context(request, day, profile=profile))


def _render_day_blocks(
    request: HttpRequest, day_date: date, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The meals block and, out of band, the score panel: the response of every day write."""
    day = _load_day(request, day_date)
    context = _day_context(request, day, forms=forms, oob=True)
    engine = engines["jinja2"]
    full: dict[str, Any] = {
        "request": request,
        "csrf_input": csrf_input_lazy(request),
        "csrf_token": csrf_token_lazy(request),
    }
    for processor in engine.template_context_processors:
        full.update(processor(request))
    full.update(context)
    html = render_blocks(engine.env, DAY_TEMPLATE, ["day_meals", "day_score"], **full)
    return HttpResponse(html, status=status)


def _after_write(
    request: HttpRequest, day_date: date, *, undo: int | None = None, anchor: str = ""
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        request.GET = request.GET.copy()  # type: ignore[assignment]
        if undo is not None:
            request.GET["undo"] = str(undo)
        return _render_day_blocks(request, day_date)
    url = _day_url(day_date, undo=undo)
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _invalid(
    request: HttpRequest, day_date: date, forms: dict[str, Any], block: str = "day_meals"
) -> HttpResponse:
    """422: the page (no JS) or the meals block (htmx) with the failing form bound."""
    if request.htmx:  # type: ignore[attr-defined]
        return _render_day_blocks(request, day_date, forms=forms, status=422)
    day = _load_day(request, day_date)
    return render_page(request, DAY_TEMPLATE, _day_context(request, day, forms=forms), status=422)


def _date_problem(request: HttpRequest, problem: str) -> HttpResponse:
    """422 for a write to a day outside the plan; nothing is created."""
    return render_page(
        request, DAY_TEMPLATE, {"date_problem": problem}, block="date_problem", status=422
    )


def _apply_errors(form: Any, error: ValidationError) -> None:
    """A service's ValidationError onto the form, on the field it names when the form has it."""
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


@profile_required
@require_POST
def meal_add(request: HttpRequest, on: str) -> HttpResponse:
    user = _user(request)
    form = MealNameForm(request.POST, prefix="add-meal")
    the_date = _parse_date(on)
    if the_date is None:
        raise Http404("Not a date.")
    problem = day_date_error(profile=profile_for(user=user), on=the_date)
    if problem:
        return _date_problem(request, problem)
    if form.is_valid():
        try:
            day = _load_day(request, the_date)
            meal = services.meal_add(day=day, name=form.cleaned_data["name"], editor=user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _after_write(request, the_date, anchor=f"meal-{meal.pk}")
    return _invalid(request, the_date, {"add_meal": form})


@profile_required
@require_POST
def meal_rename(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meal = meal_get_for(user=user, pk=pk)
    form = MealNameForm(request.POST, prefix=f"meal-{meal.pk}")
    if form.is_valid():
        try:
            services.meal_rename(meal=meal, name=form.cleaned_data["name"], editor=user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _after_write(request, meal.day.date, anchor=f"meal-{meal.pk}")
    return _invalid(request, meal.day.date, {f"rename-{meal.pk}": form})


@profile_required
@require_POST
def meal_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meal = meal_get_for(user=user, pk=pk)
    form = MealMoveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, meal.day.date, {f"rename-{meal.pk}": form})
    services.meal_move(meal=meal, direction=form.cleaned_data["direction"], editor=user)
    return _after_write(request, meal.day.date, anchor=f"meal-{meal.pk}")


@profile_required
@require_POST
def meal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meal = meal_get_for(user=user, pk=pk)
    day_date = meal.day.date
    services.meal_delete(meal=meal, editor=user)
    return _after_write(request, day_date)


@profile_required
@require_POST
def meal_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meal = meal_get_for(user=user, pk=pk)
    form = MealItemAddForm(request.POST, user=user, prefix=f"add-{meal.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.meal_item_add(
                meal=meal,
                food=data["food"],
                editor=user,
                grams=data["grams"],
                portion=data["portion"],
                portion_quantity=data["portion_quantity"],
                preparation=data["preparation"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _after_write(request, meal.day.date, anchor=f"meal-item-{item.pk}")
    return _invalid(request, meal.day.date, {f"add-{meal.pk}": form})


@profile_required
@require_POST
def meal_item_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = meal_item_get_for(user=user, pk=pk)
    form = AmountForm(request.POST, food=item.food, prefix=f"item-{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meal_item_update(
                item=item,
                editor=user,
                grams=data["grams"],
                portion=data["portion"],
                portion_quantity=data["portion_quantity"],
                preparation=data["preparation"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _after_write(request, item.meal.day.date, anchor=f"meal-item-{item.pk}")
    return _invalid(request, item.meal.day.date, {f"item-{item.pk}": form})


@profile_required
@require_POST
def meal_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = meal_item_get_for(user=user, pk=pk)
    services.meal_item_delete(item=item, editor=user)
    return _after_write(request, item.meal.day.date, undo=item.pk, anchor="undo")


@profile_required
@require_POST
def meal_item_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = meal_item_get_for(user=user, pk=pk, include_deleted=True)
    services.meal_item_restore(item=item, editor=user)
    return _after_write(request, item.meal.day.date, anchor=f"meal-item-{item.pk}")


@profile_required
@require_POST
def day_notes(request: HttpRequest, on: str) -> HttpResponse:
    user = _user(request)
    the_date = _parse_date(on)
    form = DayNotesForm(request.POST)
    if the_date is None:
        raise Http404("Not a date.")
    problem = day_date_error(profile=profile_for(user=user), on=the_date)
    if problem:
        return _date_problem(request, problem)
    if form.is_valid():
        day = _load_day(request, the_date)
        try:
            day = services.day_notes_update(day=day, notes=form.cleaned_data["notes"], editor=user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return render_page(
                    request,
                    DAY_TEMPLATE,
                    {
                        "day": day,
                        "notes_form": DayNotesForm(initial={"notes": day.notes}),
                        "notes_saved": True,
                    },
                    block="day_notes",
                )
            return HttpResponseRedirect(_day_url(the_date) + "#day-notes")
    day = _load_day(request, the_date)
    if request.htmx:  # type: ignore[attr-defined]
        return render_page(
            request, DAY_TEMPLATE, {"day": day, "notes_form": form}, block="day_notes", status=422
        )
    return render_page(
        request, DAY_TEMPLATE, _day_context(request, day, forms={"notes": form}), status=422
    )


# ---------------------------------------------------------------- add-food picker


@profile_required
@require_GET
def food_picker(request: HttpRequest, pk: int) -> HttpResponse:
    """The as-you-type results for one meal's add-food box (a listbox fragment)."""
    user = _user(request)
    meal = meal_get_for(user=user, pk=pk)
    query = request.GET.get("q", "").strip()[:100]
    return render_page(
        request,
        DAY_TEMPLATE,
        {
            "meal": meal,
            "day": meal.day,
            "query": query,
            "suggestions": foods_for_picker(user=user, query=query),
            "search_meal": meal.pk,
        },
        block="food_results",
    )


@profile_required
@require_GET
def food_amount_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The amount form for the food just picked: grams or one of its household measures."""
    user = _user(request)
    meal = meal_get_for(user=user, pk=pk)
    food = Food.objects.visible_to(user).filter(pk=_int(request.GET.get("food"))).first()
    if food is None:
        raise Http404("No such food.")
    if not request.htmx:  # type: ignore[attr-defined]
        return HttpResponseRedirect(
            _day_url(meal.day.date, meal=meal.pk, food=food.pk) + f"#add-{meal.pk}"
        )
    return render_page(
        request,
        DAY_TEMPLATE,
        {
            "meal": meal,
            "day": meal.day,
            "picked_food": food,
            "picked_form": MealItemAddForm(user=user, food=food, prefix=f"add-{meal.pk}"),
            "search_meal": meal.pk,
            "forms": {},
            **FORM_CONSTANTS,
        },
        block="add_form",
    )
