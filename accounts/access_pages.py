"""What an access-log path means to the client: "Day, Thu 26 Nov 2026", not /clients/12/day/….

The log keeps the raw path a dietitian used (accounts/access_log.py); the client reads it
through `page_of`, which resolves it against today's URL configuration and names the page
from its URL name and arguments alone. No query: the "Your dietitian" page names up to a
hundred rows, and a name that needs the database (a recipe's, a meal's date) is left
generic ("A recipe in a meal") rather than paid for per row.

Every client-scoped URL name (the ones tests/test_access_matrix.py finds: a `client_id`
or a planner object's pk) has an entry in PAGES; tests/accounts/test_access_pages.py fails
when a new one has none. A path that does not resolve any more, or resolves to a page no
dietitian's visit is logged on, is "Another page".
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mgplanner.reverse import cached_reverse, resolve_path


@dataclass(frozen=True)
class Page:
    """A logged page as the client reads it, and their own page of the same thing if any."""

    label: str
    own_url: str | None = None


ANOTHER_PAGE = Page("Another page")


@dataclass(frozen=True)
class _Route:
    """How to name one URL name's pages.

    `label` may hold `{day}`, `{week}` (from the URL's date) or `{report}` (from its kind).
    `own` is the URL name of the page where the client sees the same thing in their own
    plan; it takes the URL's date when `dated`. A write's own page is the page that shows
    its result (a day's note is read on the day), never the write's own endpoint, which
    answers only POST.
    """

    label: str
    own: str | None = None
    dated: bool = False


def _on_day(label: str) -> _Route:
    """A page or write of one day of the client's plan: the client reads it on their day."""
    return _Route(label, "plans:day", dated=True)


# Dates as the access-log table writes its own ("%-d %b %Y"), with the weekday for a day.
DAY_FORMAT = "%a %-d %b %Y"
WEEK_FORMAT = "%-d %b %Y"

# The three downloads of the report form (plans/templates/plans/client_tools.html).
REPORT_KINDS = {
    "pdf": "Report (PDF)",
    "days": "Report: days (CSV)",
    "items": "Report: foods and supplements (CSV)",
}

PAGES: dict[str, _Route] = {
    # A client's planner under /clients/<id>/ (plans/workspace_urls.py): the client's own
    # /plan/ has the same pages.
    "clients:home": _Route("Your plan", "plans:home"),
    "clients:week": _Route("Week of {week}", "plans:week", dated=True),
    "clients:day": _on_day("Day, {day}"),
    "clients:meal_add": _on_day("Day, {day}: a new meal"),
    "clients:day_notes": _on_day("Notes, {day}"),
    "clients:supplement_log": _on_day("Supplements, {day}"),
    "clients:supplement_dose_add": _on_day("Supplements, {day}: a dose added"),
    "clients:day_copy": _on_day("Copying the day, {day}"),
    "clients:day_suggestions": _on_day("Suggestions, {day}"),
    "clients:suggestion_apply": _on_day("Suggestions, {day}: one applied"),
    "clients:suggestion_undo": _on_day("Suggestions, {day}: one undone"),
    "clients:fill": _on_day("Fill the day, {day}"),
    "clients:fill_accept": _on_day("Fill the day, {day}: accepted"),
    "clients:fill_undo": _on_day("Fill the day, {day}: undone"),
    # The dietitian's tools for a client (plans/report_urls.py). The tools page itself and
    # the templates have no counterpart of the client's.
    "reports:client_tools": _Route("Target, templates and reports"),
    "reports:client_target": _Route("Profile and target", "accounts:profile"),
    "reports:note_add": _on_day("Notes, {day}"),
    "reports:note_delete": _Route("A note: deleted"),
    "reports:template_save": _Route("Your plan, saved as a template"),
    "reports:template_assign": _Route("A template applied to your plan"),
    "reports:client_report": _Route("{report}", "reports:own_report_page"),
    "reports:template_delete": _Route("A template: deleted"),
    # Planner objects addressed by pk (plans/urls.py): which day they are on is a query
    # away, so these name the thing and link nowhere.
    "plans:meal_rename": _Route("A meal: renamed"),
    "plans:meal_move": _Route("A meal: moved"),
    "plans:meal_delete": _Route("A meal: removed"),
    "plans:meal_restore": _Route("A meal: restored"),
    "plans:meal_item_add": _Route("A meal: a food added"),
    "plans:food_picker": _Route("A meal: food search"),
    "plans:food_amount_form": _Route("A meal: a food's amount"),
    "plans:meal_tools": _Route("A meal: copy and templates"),
    "plans:meal_copy": _Route("A meal: copied"),
    "plans:meal_template_save": _Route("A meal: saved as a template"),
    "plans:meal_template_insert": _Route("A meal: a template added"),
    "plans:meal_item_edit": _Route("A food in a meal"),
    "plans:meal_item_update": _Route("A food in a meal: changed"),
    "plans:meal_item_delete": _Route("A food in a meal: removed"),
    "plans:meal_item_restore": _Route("A food in a meal: restored"),
    "plans:supplement_dose_edit": _Route("A supplement taken"),
    "plans:supplement_dose_update": _Route("A supplement taken: changed"),
    "plans:supplement_dose_delete": _Route("A supplement taken: removed"),
    "plans:supplement_dose_restore": _Route("A supplement taken: restored"),
    # Owner-only (a dietitian's request is a 404 and logs nothing) or the person's own
    # twin of a client route: named all the same, as the URL carries a pk.
    "plans:supplement_dose_add": _on_day("Supplements, {day}: a dose added"),
    "plans:supplement_product_archive": _Route("A supplement: archived"),
    "plans:meal_template_delete": _Route("A meal template: deleted"),
    # Recipes eaten in a meal (plans/recipe_urls.py). The recipe's name is a query away.
    "recipes:meal_add": _Route("A meal: adding a recipe"),
    "recipes:meal_delete": _Route("A recipe in a meal: removed"),
    "recipes:meal_restore": _Route("A recipe in a meal: restored"),
}


def _resolved(path: str) -> tuple[str, dict[str, Any]] | None:
    """The URL name and arguments of a logged path (query string dropped), or None.

    The log holds `request.get_full_path()`: with the script prefix when the app is
    mounted below the site's root, and percent-encoded.
    """
    match = resolve_path(path)
    return (match.view_name, match.kwargs) if match is not None else None


def _words(kwargs: dict[str, Any]) -> dict[str, str] | None:
    """The label's placeholders from the URL's arguments; None for a date that does not
    exist (2026-02-30 matches <isodate:> and is a 404 of the view)."""
    words = {"report": REPORT_KINDS.get(str(kwargs.get("kind")), "A report")}
    if "on" in kwargs:
        try:
            on = date.fromisoformat(kwargs["on"])
        except ValueError:
            return None
        words["day"] = f"{on:{DAY_FORMAT}}"
        words["week"] = f"{on - timedelta(days=on.weekday()):{WEEK_FORMAT}}"
    return words


def _own_url(route: _Route, kwargs: dict[str, Any]) -> str | None:
    if route.own is None:
        return None
    if not route.dated:
        return cached_reverse(route.own)
    on = date.fromisoformat(kwargs["on"])
    if route.own == "plans:week":
        # The week page's address is its Monday; another day of it redirects there.
        on -= timedelta(days=on.weekday())
    return cached_reverse(route.own, on.isoformat())


def page_of(path: str) -> Page:
    """The page a logged path shows, named for the client; ANOTHER_PAGE when unknown."""
    found = _resolved(path)
    if found is None:
        return ANOTHER_PAGE
    name, kwargs = found
    route = PAGES.get(name)
    words = _words(kwargs) if route is not None else None
    if route is None or words is None:
        return ANOTHER_PAGE
    return Page(route.label.format(**words), _own_url(route, kwargs))
