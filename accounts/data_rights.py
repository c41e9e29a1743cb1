"""A person's data rights: everything about them as JSON or as CSVs, and deleting the account.

An account's data spans the apps (plans, recipes, custom foods, links), so this module
imports `plans` and `foods` inside its functions: `accounts` stays importable on its own.

Export: one table per kind of row, each row a model's own fields plus the names a reader
needs (food code and description beside every food id). The JSON is one document holding
all tables; the CSV download is a zip with one file per table, the same rows.

Deletion, in one transaction, is `account_remove`: the person's own "Delete my account"
(`account_delete`, behind their password) and the admin's delete, single and bulk
(accounts/admin.py), both run it. What it does (decisions, also in the README):
- their plan and everything in it, their products, templates, recipes, custom foods,
  shopping ticks, invitations and dietitian requests go;
- links with dietitians (or, for a dietitian, with clients) end by being deleted;
- someone else's meal or template that uses their shared recipe, or a row of someone
  else's that names one of their custom foods, gets that person's own copy first (as
  duplicating a shared recipe does), so nobody else's plan changes or breaks;
- access log entries about them are kept without their identity: the client becomes
  NULL, `client_ref` a salted hash ("deleted user #…"), the client id leaves the path;
- a dietitian's private notes go with them; notes they shared with a client stay on
  the client's day, their author shown as "a former dietitian";
- custom targets they set stay on their clients' days, set by "a dietitian": the
  clients' target histories forget who made each change, as the profile's
  `custom_target_set_by` does.
"""

import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.access_pages import page_of
from accounts.models import AccessLog, DietitianLink, Profile, User
from mgplanner import csv_safe

EXPORT_FORMAT = "mgplanner-export"
EXPORT_VERSION = 1
MISMATCH_MESSAGE = "That is not your password; nothing was deleted."
CONFIRM_WORD = "DELETE"


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


def _row(obj: models.Model, *, skip: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    row = {
        field.attname: _value(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in skip
    }
    row.update({key: _value(value) for key, value in extra.items()})
    return row


def _food_columns(obj: Any) -> dict[str, Any]:
    return {
        "food_code": obj.food.code,
        "food_source": obj.food.source,
        "food_description": obj.food.description,
        "portion_label": obj.portion.label if obj.portion_id else "",
    }


def account_data(*, user: User) -> dict[str, Any]:
    """Everything stored about `user`, as tables of JSON-ready rows."""
    from foods.models import Food, Portion
    from plans.models import (
        Day,
        DayNote,
        DayTemplate,
        DayTemplateItem,
        DayTemplateRecipe,
        Meal,
        MealItem,
        MealRecipe,
        MealTemplate,
        MealTemplateItem,
        MealTemplateRecipe,
        NoteVisibility,
        Recipe,
        RecipeIngredient,
        ShoppingTick,
        SupplementDose,
        SupplementProduct,
        WeekTemplate,
    )

    amount = ("food", "portion")
    tables: dict[str, list[dict[str, Any]]] = {
        # The stamps are the page cache's bookkeeping (mgplanner/page_cache.py), not data.
        "account": [_row(user, skip=("password", "data_stamp", "day_stamps"))],
        "profile": [_row(p) for p in Profile.objects.filter(user=user)],
        "days": [_row(d) for d in Day.objects.filter(plan__owner=user).order_by("date")],
        "meals": [
            _row(m)
            # Deleted meals too (with their deleted_at), as deleted items are: the export
            # holds every stored row, and the items below name their meal.
            for m in Meal.all_objects.filter(day__plan__owner=user).order_by(
                "day__date", "position"
            )
        ],
        "meal_items": [
            _row(i, **_food_columns(i))
            for i in MealItem.objects.filter(meal__day__plan__owner=user)
            .select_related(*amount)
            .order_by("meal__day__date", "meal_id", "position")
        ],
        "meal_recipes": [
            _row(r, recipe_name=r.recipe.name)
            for r in MealRecipe.objects.filter(meal__day__plan__owner=user).select_related("recipe")
        ],
        "supplement_products": [_row(p) for p in SupplementProduct.objects.filter(owner=user)],
        "supplement_doses": [
            _row(d, product_name=d.product.name)
            for d in SupplementDose.objects.filter(day__plan__owner=user).select_related("product")
        ],
        "meal_templates": [_row(t) for t in MealTemplate.objects.filter(owner=user)],
        "meal_template_items": [
            _row(i, **_food_columns(i))
            for i in MealTemplateItem.objects.filter(template__owner=user).select_related(*amount)
        ],
        "meal_template_recipes": [
            _row(r, recipe_name=r.recipe.name)
            for r in MealTemplateRecipe.objects.filter(template__owner=user).select_related(
                "recipe"
            )
        ],
        "week_templates": [_row(t) for t in WeekTemplate.objects.filter(owner=user)],
        "day_templates": [_row(t) for t in DayTemplate.objects.filter(owner=user)],
        "day_template_items": [
            _row(i, **_food_columns(i))
            for i in DayTemplateItem.objects.filter(template__owner=user).select_related(*amount)
        ],
        "day_template_recipes": [
            _row(r, recipe_name=r.recipe.name)
            for r in DayTemplateRecipe.objects.filter(template__owner=user).select_related("recipe")
        ],
        "recipes": [_row(r) for r in Recipe.objects.filter(owner=user)],
        "recipe_ingredients": [
            _row(i, **_food_columns(i))
            for i in RecipeIngredient.objects.filter(recipe__owner=user).select_related(*amount)
        ],
        "custom_foods": [_row(f) for f in Food.objects.filter(owner=user)],
        "custom_food_portions": [_row(p) for p in Portion.objects.filter(food__owner=user)],
        "shopping_ticks": [
            _row(t, food_code=t.food.code, food_description=t.food.description)
            for t in ShoppingTick.objects.filter(owner=user).select_related("food")
        ],
        # Private notes are their author's; a person sees (and gets) the shared ones.
        "notes_shared_with_me": [
            _row(n, day_date=n.day.date, author_name=n.author.name if n.author else "")
            for n in DayNote.objects.filter(
                day__plan__owner=user, visibility=NoteVisibility.SHARED
            ).select_related("day", "author")
        ],
        "notes_i_wrote": [
            _row(n, day_date=n.day.date, client_name=n.day.plan.owner.name)
            for n in DayNote.objects.filter(author=user).select_related("day__plan__owner")
        ],
        "dietitian_links": [
            _row(
                link,
                dietitian_name=link.dietitian.name,
                dietitian_email=link.dietitian.email,
                client_name=link.client.name,
                client_email=link.client.email,
            )
            for link in DietitianLink.objects.filter(
                models.Q(client=user) | models.Q(dietitian=user)
            ).select_related("dietitian", "client")
        ],
        # The raw path, and the page as "Your dietitian" names it (accounts/access_pages.py).
        "access_log": [
            _row(
                entry,
                dietitian_name=entry.dietitian.name if entry.dietitian else "",
                page=page_of(entry.path).label,
            )
            for entry in AccessLog.objects.filter(client=user).select_related("dietitian")
        ],
    }
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "email": user.email,
        "tables": tables,
    }


def account_data_csv_zip(*, user: User) -> bytes:
    """The same tables as CSV files in one zip (empty tables still get their file)."""
    data = account_data(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in data["tables"].items():
            text = io.StringIO()
            columns: list[str] = []
            for row in rows:
                columns.extend(key for key in row if key not in columns)
            writer = csv_safe.DictWriter(text, fieldnames=columns or ["id"])
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        # Lists and objects (exclusions, a target history) as JSON, as
                        # export.json has them, not as Python's repr.
                        k: ("" if v is None else v)
                        if not isinstance(v, list | dict)
                        else json.dumps(v, ensure_ascii=False)
                        for k, v in row.items()
                    }
                )
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def deleted_user_ref(user_pk: int) -> str:
    """A stable pseudonym: entries about one deleted person stay countable, not nameable."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:deleted-user:{user_pk}".encode()).hexdigest()
    return f"deleted user #{digest[:10]}"


def _hand_over_shared_uses(user: User) -> None:
    """Give everyone whose data uses `user`'s recipes or custom foods their own copies.

    Their cached pages go once this commits: they link the recipes and foods by id, and the
    request's middleware refreshes only the pages of the deleted person's clients.
    """
    from mgplanner.page_cache import user_stamps_bump_on_commit
    from plans.models import (
        DayTemplateItem,
        DayTemplateRecipe,
        MealItem,
        MealRecipe,
        MealTemplateItem,
        MealTemplateRecipe,
        RecipeIngredient,
    )
    from plans.recipe_services import _custom_food_copy, recipe_duplicate

    others: set[int] = set()
    recipe_copy: dict[tuple[int, int], int] = {}
    for model, owner_path in (
        (MealRecipe, "meal__day__plan__owner"),
        (MealTemplateRecipe, "template__owner"),
        (DayTemplateRecipe, "template__owner"),
    ):
        uses = (
            model.objects.filter(recipe__owner=user)
            .exclude(**{owner_path: user})
            .select_related("recipe")
            .values_list("pk", "recipe_id", owner_path)
        )
        for pk, recipe_id, other_pk in list(uses):
            key = (recipe_id, other_pk)
            if key not in recipe_copy:
                from plans.models import Recipe

                copy = recipe_duplicate(
                    recipe=Recipe.objects.get(pk=recipe_id), owner=User.objects.get(pk=other_pk)
                )
                recipe_copy[key] = copy.pk
            model.objects.filter(pk=pk).update(recipe_id=recipe_copy[key])
            others.add(other_pk)

    food_copy: dict[tuple[int, int], tuple[int, dict[int, int]]] = {}
    for model, owner_path in (
        (MealItem, "meal__day__plan__owner"),
        (MealTemplateItem, "template__owner"),
        (DayTemplateItem, "template__owner"),
        (RecipeIngredient, "recipe__owner"),
    ):
        rows = list(
            model.objects.filter(food__owner=user)
            .exclude(**{owner_path: user})
            .values_list("pk", "food_id", "portion_id", owner_path)
        )
        for pk, food_id, portion_id, other_pk in rows:
            key = (food_id, other_pk)
            if key not in food_copy:
                from foods.models import Food

                copied, portions = _custom_food_copy(
                    Food.objects.get(pk=food_id), User.objects.get(pk=other_pk)
                )
                food_copy[key] = (copied.pk, portions)
            new_food, portions = food_copy[key]
            model.objects.filter(pk=pk).update(
                food_id=new_food, portion_id=portions.get(portion_id) if portion_id else None
            )
            others.add(other_pk)
    user_stamps_bump_on_commit(others)


CLIENT_PATH = re.compile(r"^/clients/\d+/")


def account_delete(*, user: User, password: str) -> str:
    """The person's own "Delete my account": `account_remove` once the password matches;
    returns their pseudonym.

    Raises ValidationError keyed "password" when the password does not match.
    """
    if not user.check_password(password):
        raise ValidationError({"password": MISMATCH_MESSAGE})
    return account_remove(user=user)


def _linked_user_pks(user: User) -> set[int]:
    """Everyone `user` has a link with, either way: a dietitian's notes and targets show
    on their clients' pages, so those pages change when either account goes."""
    pairs = DietitianLink.objects.filter(
        models.Q(client=user) | models.Q(dietitian=user)
    ).values_list("client_id", "dietitian_id")
    return {pk for pair in pairs for pk in pair if pk != user.pk}


def _target_histories_forget(user: User, *, clients: set[int]) -> None:
    """Remove `user` from the custom-target histories of `clients`. Only a linked dietitian
    sets or clears a client's target, and links go only with an account, so the people
    `user` has links with are everyone whose history can name them."""
    profiles = Profile.objects.select_for_update().filter(user_id__in=clients)
    changed = []
    for profile in profiles:
        if any(entry["by"] == user.pk for entry in profile.custom_target_history):
            profile.custom_target_history = [
                entry | {"by": None} if entry["by"] == user.pk else entry
                for entry in profile.custom_target_history
            ]
            changed.append(profile)
    Profile.objects.bulk_update(changed, ["custom_target_history"])


@transaction.atomic
def account_remove(*, user: User) -> str:
    """Delete `user` and their data (see the module's docstring); returns their pseudonym.

    The one removal, for the person's own deletion and the admin's (single and bulk):
    a plain cascade would stop at the PROTECTed items and doses, or delete nothing of the
    hand-over and keep the access log with their identity. It asks for no password;
    callers decide who may. The cached pages of everyone linked with them go on commit,
    whoever calls (the request's middleware knows only the writer and their clients).
    """
    from foods.models import Food, Portion
    from mgplanner.page_cache import user_stamps_bump_on_commit
    from plans.models import (
        Day,
        DayNote,
        DayTemplate,
        MealTemplate,
        NoteVisibility,
        Plan,
        Recipe,
        SupplementProduct,
        WeekTemplate,
    )

    user = User.objects.select_for_update().get(pk=user.pk)
    ref = deleted_user_ref(user.pk)
    _hand_over_shared_uses(user)
    linked = _linked_user_pks(user)
    user_stamps_bump_on_commit(linked)
    _target_histories_forget(user, clients=linked)

    # Access log about them: kept, without who they were.
    entries = list(AccessLog.objects.filter(client=user))
    for entry in entries:
        entry.client = None
        entry.client_ref = ref
        entry.path = CLIENT_PATH.sub("/clients/deleted/", entry.path)
    AccessLog.objects.bulk_update(entries, ["client", "client_ref", "path"])

    # A dietitian's shared notes stay with their clients (author NULL); private ones go.
    DayNote.objects.filter(author=user, visibility=NoteVisibility.PRIVATE).delete()
    DayNote.objects.filter(author=user).update(author=None)

    # Rows that PROTECT what they name (items → foods, doses → products, meals → recipes)
    # go first, so the cascade from the user meets nothing still pointing at its rows.
    plan_pks = list(Plan.objects.filter(owner=user).values_list("pk", flat=True))
    food_pks = list(Food.objects.filter(owner=user).values_list("pk", flat=True))
    for model in (Plan, MealTemplate, DayTemplate, WeekTemplate, Recipe, SupplementProduct):
        model.objects.filter(owner=user).delete()
    user_pk = user.pk
    user.delete()
    # The edit history (simple_history) of their days and custom foods is their data too;
    # elsewhere they stay only as "someone" (history_user NULL), including the rows the
    # deletion itself just recorded.
    Day.history.filter(plan_id__in=plan_pks).delete()  # type: ignore[attr-defined]
    Food.history.filter(id__in=food_pks).delete()  # type: ignore[attr-defined]
    Portion.history.filter(food_id__in=food_pks).delete()  # type: ignore[attr-defined]
    for model in apps.get_models():
        if model.__name__.startswith("Historical") and any(
            field.name == "history_user" for field in model._meta.fields
        ):
            model.objects.filter(history_user_id=user_pk).update(history_user=None)
    return ref


def account_delete_summary(*, user: User) -> dict[str, int]:
    """What deleting would remove or hand over, for the confirmation page."""
    from plans.models import Day, DayNote, MealRecipe, NoteVisibility, Recipe

    counts: dict[str, int] = defaultdict(int)
    counts["days"] = Day.objects.filter(plan__owner=user).count()
    counts["recipes"] = Recipe.objects.filter(owner=user).count()
    counts["links"] = DietitianLink.objects.filter(
        models.Q(client=user) | models.Q(dietitian=user), revoked_at__isnull=True
    ).count()
    counts["recipes_used_by_others"] = (
        MealRecipe.objects.filter(recipe__owner=user)
        .exclude(meal__day__plan__owner=user)
        .values("recipe")
        .distinct()
        .count()
    )
    counts["shared_notes_kept"] = DayNote.objects.filter(
        author=user, visibility=NoteVisibility.SHARED
    ).count()
    counts["custom_targets_kept"] = Profile.objects.filter(custom_target_set_by=user).count()
    counts["access_log_kept"] = AccessLog.objects.filter(client=user).count()
    return dict(counts)
