"""Undo of an accepted "Fill my day": the ids of the items it added travel in a signed token.

Nothing in the database records an accepted fill, and none is added for it: the accept's
response carries the ids of the items it added to the Undo bar (`?undo_fill=<token>` on
the day page, then a hidden input of the bar's form), signed with django.core.signing under
a salt of this use only, so a token edited by hand or made for another purpose (the
suggestion undo's) does not verify. The token also names its day, and the service
(`services.fill_undo`) touches only items of that day whatever the token says.
"""

from dataclasses import dataclass
from typing import Any

from django.core import signing

from plans.models import Day

FILL_UNDO_SALT = "plans.fill-undo"
# A day is long enough to change one's mind; an older bar's Undo is refused as invalid.
FILL_UNDO_MAX_AGE_S = 60 * 60 * 24
FILL_UNDO_PARAM = "undo_fill"
# fill_accept takes at most 100 lines; a longer list was not made by it.
MAX_ITEMS = 100


@dataclass(frozen=True, slots=True)
class FillUndo:
    day_pk: int
    item_pks: tuple[int, ...]


def fill_undo_token(*, day_pk: int, item_pks: list[int]) -> str:
    """The signed token of an accepted fill: its day and the items it added."""
    return signing.dumps({"day": day_pk, "items": item_pks}, salt=FILL_UNDO_SALT)


def _is_pk(value: object) -> bool:
    return type(value) is int and value > 0


def fill_undo_read(token: str) -> FillUndo | None:
    """The fill a token names, or None when it does not verify (edited, foreign, expired)."""
    try:
        payload = signing.loads(token, salt=FILL_UNDO_SALT, max_age=FILL_UNDO_MAX_AGE_S)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    day_pk, item_pks = payload.get("day"), payload.get("items")
    if not _is_pk(day_pk) or not isinstance(item_pks, list):
        return None
    if not 0 < len(item_pks) <= MAX_ITEMS or not all(_is_pk(pk) for pk in item_pks):
        return None
    return FillUndo(day_pk=day_pk, item_pks=tuple(item_pks))


def fill_undo_bar(token: str, day: Day) -> dict[str, Any] | None:
    """The day page's "Added N foods to your day. Undo" bar, while an item of it is left.

    Reads the day's prefetched live items (no query): a token of another day, or a fill
    whose items are all gone already, shows no bar.
    """
    fill = fill_undo_read(token) if token else None
    if fill is None or fill.day_pk != day.pk:
        return None
    meal_of = {
        item.pk: meal.pk
        for meal in day.ordered_meals  # type: ignore[attr-defined]
        for item in meal.live_items
    }
    left = [pk for pk in fill.item_pks if pk in meal_of]
    if not left:
        return None
    return {"token": token, "count": len(fill.item_pks), "meal_pk": meal_of[left[0]]}
