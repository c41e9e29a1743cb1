"""Reads for foods: values the scoring engine needs (search and detail selectors live here too)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from foods import search, search_index
from foods.models import Food, FoodSource, Portion
from foods.services import NOT_ENTERED_SOURCE
from foods.values import FoodValues
from mgplanner.lru import LRU
from mgplanner.page_cache import site_stamp
from mgplanner.prepared import PreparedQuery

# A new stamp makes a new key; the old one only waits to age out.
FOOD_GROUPS_TIMEOUT_S = 24 * 3600


def food_values(food: Food) -> FoodValues:
    return FoodValues(
        code=food.code,
        name=food.description,
        magnesium_mg_per_100g=food.magnesium_mg_per_100g or 0.0,
        phytate_mg_per_100g=food.phytate_mg_per_100g or 0.0,
        oxalate_mg_per_100g=food.oxalate_mg_per_100g or 0.0,
        calcium_mg_per_100g=food.calcium_mg_per_100g or 0.0,
        kcal_per_100g=food.kcal_per_100g or 0.0,
        food_group=food.food_group,
    )


def antinutrient_entered(food: Food, prefix: str) -> bool:
    """Whether `food`'s phytate or oxalate (`prefix`) is a value someone gave.

    A custom food's blank is stored as 0 mg, which is what the score uses (none), and
    told apart from a typed 0 only by its source; every database food carries a value.
    """
    return food.owner_id is None or getattr(food, f"{prefix}_source") != NOT_ENTERED_SOURCE


def portion_for(*, food: Food, grams: float) -> Portion | None:
    """The food's household measure of this weight, so an item reads "1 oz", not "28.35 g".

    Reads `food.portions.all()`: prefetch them when asking for many foods.
    """
    for portion in food.portions.all():
        if abs(portion.grams - grams) < 0.05:
            return portion
    return None


def food_values_by_code(codes: Iterable[str]) -> dict[str, FoodValues]:
    """Database (SR28) foods by their code, in one query; unknown codes are simply absent."""
    wanted = {str(code) for code in codes}
    foods = Food.objects.filter(source=FoodSource.USDA_SR28, owner__isnull=True, code__in=wanted)
    return {food.code: food_values(food) for food in foods}


# ---- search ----

SORTS = {
    "relevance": "Best match",
    "mg_per_100g": "Magnesium per 100 g",
    "mg_per_100kcal": "Magnesium per 100 kcal",
    "mg_per_portion": "Magnesium per portion",
}
# A search box shows a screenful; asking for more than this is a scrape, not a search.
MAX_SEARCH_LIMIT = 200


@dataclass(frozen=True, slots=True)
class SearchPage:
    foods: list[Food]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.foods) < self.total

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.foods)


def _first_portion_grams() -> Subquery:
    first = Portion.objects.filter(food=OuterRef("pk")).order_by("seq").values("grams")[:1]
    return Subquery(first, output_field=FloatField())


def _sort_annotations() -> dict[str, Any]:
    return {
        "mg_per_100kcal": Case(
            When(
                kcal_per_100g__gt=0,
                magnesium_mg_per_100g__isnull=False,
                then=100.0 * F("magnesium_mg_per_100g") / F("kcal_per_100g"),
            ),
            default=None,
            output_field=FloatField(),
        ),
        "mg_per_portion": F("magnesium_mg_per_100g") * _first_portion_grams() / 100.0,
    }


def _matching(foods: QuerySet[Food], prefixes: list[str]) -> QuerySet[Food]:
    """Foods whose description holds every prefix, found through the full-text index."""
    vendor = connection.vendor
    if vendor == "sqlite":
        return foods.filter(
            # The query text is a bound parameter, built from letters and digits only.
            pk__in=RawSQL(
                "SELECT rowid FROM foods_food_fts WHERE foods_food_fts MATCH %s",
                (search.fts5_match(prefixes),),
            )
        )
    if vendor == "postgresql":
        return foods.filter(
            RawSQL(  # noqa: S611 - constant SQL, bound parameter # nosec B611
                f"{search_index.PG_VECTOR_SQL} @@ to_tsquery('simple'::regconfig, %s)",
                (search.tsquery(prefixes),),
                output_field=BooleanField(),
            )
        )
    # Another database has no index here; a scan finds a superset that ranking then trims.
    for prefix in prefixes:
        foods = foods.filter(description__icontains=prefix)
    return foods


def _portions() -> Prefetch:
    # Portion's default ordering is ("food", "seq"), and "food" orders by the food's
    # description through a join: 4 ms on PostgreSQL for a page, against 0.2 ms without.
    return Prefetch("portions", queryset=Portion.objects.order_by("food_id", "seq"))


class KeptFoods:
    """Database foods with their portions, kept in each process while the site stamp stands.

    A database food (SR28, no owner) changes only through the admin and the food load
    command, and both replace the site stamp (mgplanner/page_cache.py), which a request's
    user brings along with the session (accounts/backends.py). So a food read once serves
    every request until the stamp changes: building the 30 foods of a page of results, with
    their portions, was 7 of a search's 10 ms. Custom foods are read every time (their
    owner edits them in the app). The kept instances are shared by requests: they are read,
    never changed. The least recently used go beyond `size`.
    """

    def __init__(self, size: int) -> None:
        self.stamp: int | None = None
        self.foods: LRU[int, Food] = LRU(size)

    def clear(self) -> None:
        self.stamp = None
        self.foods.clear()

    def get_many(self, pks: Iterable[int], *, stamp: int) -> dict[int, Food]:
        """The foods of `pks` that exist, by pk, each with `portions` prefetched."""
        if stamp != self.stamp:
            self.clear()
            self.stamp = stamp
        found: dict[int, Food] = {}
        missing = []
        for pk in pks:
            food = self.foods.get(pk)
            if food is None:
                missing.append(pk)
            else:
                found[pk] = food
        if missing:
            for food in Food.objects.filter(pk__in=missing).prefetch_related(_portions()):
                found[food.pk] = food
                if food.owner_id is None:
                    self.foods.put(food.pk, food)
        return found


# 4,096 of SR28's 8,789 foods: the ones people search for and plan with (~4 MB a process).
KEPT_FOODS = KeptFoods(4096)


def _with_portions(pks: list[int], *, user: object) -> list[Food]:
    by_pk = KEPT_FOODS.get_many(pks, stamp=site_stamp(user))
    return [by_pk[pk] for pk in pks if pk in by_pk]


def food_search_page(
    *,
    user: object,
    query: str,
    group: str | None = None,
    sort: str = "relevance",
    limit: int = 30,
    offset: int = 0,
) -> SearchPage:
    """One page of the foods `user` may see that match `query`, best first or by a Mg sort.

    Every typed word must start a word of the description, in any order. An empty query
    lists the richest foods in magnesium, so the page starts with something useful.
    Unknown sort keys fall back to relevance; the limit is clamped to 1..MAX_SEARCH_LIMIT.
    """
    if sort not in SORTS:
        sort = "relevance"
    limit = max(1, min(limit, MAX_SEARCH_LIMIT))
    offset = max(0, offset)
    foods = Food.objects.visible_to(user)
    if group:
        foods = foods.filter(food_group=group)
    prefixes = search.query_words(query)

    if not prefixes:
        key = "mg_per_100g" if sort == "relevance" else sort
        field = "magnesium_mg_per_100g" if key == "mg_per_100g" else key
        ordered = foods.annotate(**_sort_annotations()).order_by(
            F(field).desc(nulls_last=True), "description", "pk"
        )
        pks = list(ordered.values_list("pk", flat=True)[offset : offset + limit])
        return SearchPage(_with_portions(pks, user=user), foods.count(), offset, limit)

    fields = ["pk", "description", "food_group", "magnesium_mg_per_100g"]
    candidates = _matching(foods, prefixes)
    if sort != "relevance":
        candidates = candidates.annotate(
            sort_value=_sort_annotations()[sort]
            if sort != "mg_per_100g"
            else F("magnesium_mg_per_100g")
        )
        fields.append("sort_value")
    scored = []
    for row in candidates.values_list(*fields):
        score = search.relevance(prefixes, search.Candidate(row[1], row[2]))
        if score <= 0:
            continue
        value = row[4] if sort != "relevance" else None
        # Highest value first, unknown values last, then the best match, then A to Z.
        scored.append((value is None, -(value or 0.0), -score, row[1], row[0]))
    scored.sort()
    pks = [entry[-1] for entry in scored[offset : offset + limit]]
    return SearchPage(_with_portions(pks, user=user), len(scored), offset, limit)


def food_search(
    *,
    user: object,
    query: str,
    group: str | None = None,
    sort: str = "relevance",
    limit: int = 30,
) -> list[Food]:
    """The first `limit` foods of `food_search_page`, each with its portions prefetched."""
    return food_search_page(user=user, query=query, group=group, sort=sort, limit=limit).foods


def food_groups(*, user: object = None) -> list[str]:
    """The database's food groups, A to Z, for the search filter.

    Finding them reads every food (~7 ms on PostgreSQL, on every search), and they change
    only with the food database, so they are kept in the cache under the site stamp, which
    every admin write and food load replaces (mgplanner/page_cache.py); `user` is the
    signed-in user, whose session query already carries the stamp.
    """
    key = f"food-groups:{site_stamp(user)}"
    groups: list[str] | None = cache.get(key)
    if groups is None:
        groups = list(
            Food.objects.filter(owner__isnull=True)
            .order_by("food_group")
            .values_list("food_group", flat=True)
            .distinct()
        )
        cache.set(key, groups, FOOD_GROUPS_TIMEOUT_S)
    return groups


# ---- one food ----

# The food a signed-in person picked (adding an item, an ingredient, the amount form): its
# SQL is the same for everyone signed in, so it is compiled once (mgplanner/prepared.py).
_PICKED_FOOD = PreparedQuery(
    lambda pk, user: Food.objects.visible_to(get_user_model()(pk=user)).filter(pk=pk),
    pk=int,
    user=int,
)


def food_picked_by(*, user: object, pk: int | None) -> Food | None:
    """The food `pk` if `user` may see it, else None: unknown, or someone else's custom food
    (the same answer, so its existence is not revealed)."""
    if pk is None:
        return None
    if getattr(user, "is_authenticated", False):
        found = _PICKED_FOOD(pk=pk, user=user.pk)  # type: ignore[attr-defined]
        return found[0] if found else None
    return Food.objects.visible_to(user).filter(pk=pk).first()


def food_get_for(*, user: object, pk: int) -> Food:
    """A food `user` may see, with its portions; 404 for someone else's custom food, so its
    existence is not revealed."""
    return get_object_or_404(Food.objects.visible_to(user).prefetch_related(_portions()), pk=pk)


def custom_food_get_for(*, user: object, pk: int) -> Food:
    """One of `user`'s own custom foods, to change or delete; 404 for any other food."""
    return get_object_or_404(custom_foods_of(user=user), pk=pk)


def custom_foods_of(*, user: object) -> QuerySet[Food]:
    if not getattr(user, "is_authenticated", False):
        return Food.objects.none()
    return Food.objects.filter(owner=user, source=FoodSource.CUSTOM).prefetch_related(_portions())
