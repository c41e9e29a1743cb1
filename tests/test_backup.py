"""backup_db / restore_db: a round trip brings back every row and the same day score."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.selectors import person_on
from plans.models import Day, MealItem
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    FoodFactory,
    MealFactory,
    MealItemFactory,
    ProfileFactory,
    SupplementDoseFactory,
)

# pg_dump runs in its own session: it sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def day_score_mg(profile, on) -> float:
    day = day_get_for(user=profile.user, on=on)
    return score_day(day_to_engine(day, person_on(profile, on))).effective_mg


@pytest.fixture
def planned_day():
    profile = ProfileFactory()
    breakfast = MealFactory(day__plan__owner=profile.user, name="Breakfast")
    lunch = MealFactory(day=breakfast.day, name="Lunch")
    seeds = FoodFactory()
    spinach = FoodFactory(magnesium_mg_per_100g=79.0, oxalate_mg_per_100g=970.0)
    MealItemFactory(meal=breakfast, food=seeds, grams=28.35)
    MealItemFactory(meal=lunch, food=spinach, grams=90)
    MealItemFactory(meal=lunch, food=seeds, grams=10)
    SupplementDoseFactory(day=breakfast.day, meal=breakfast)
    return profile, breakfast.day.date


def backup_path(tmp_path: Path) -> Path:
    suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
    return tmp_path / "backups" / f"mgplanner.{suffix}"


@pytest.mark.skipif(
    connection.vendor == "postgresql" and not shutil.which("pg_dump"),
    reason="pg_dump is not installed",
)
def test_round_trip_restores_rows_and_the_day_score(planned_day, tmp_path):
    profile, on = planned_day
    counts_before = row_counts()
    score_before = day_score_mg(profile, on)
    assert score_before > 0
    path = backup_path(tmp_path)

    out = StringIO()
    call_command("backup_db", str(path), stdout=out)
    assert path.stat().st_size > 0
    assert "backed up to" in out.getvalue()

    # Change the day after the backup: one item heavier, one deleted, a whole new day.
    item = MealItem.objects.order_by("pk").first()
    item.grams = 500
    item.save()
    MealItem.objects.order_by("pk").last().delete()
    MealFactory(day__plan=Day.objects.get().plan, day__date=on.replace(day=1 if on.day > 1 else 2))
    assert row_counts() != counts_before
    assert day_score_mg(profile, on) != pytest.approx(score_before)

    call_command("restore_db", str(path), stdout=StringIO())

    assert row_counts() == counts_before
    assert day_score_mg(profile, on) == pytest.approx(score_before)
    assert MealItem.objects.order_by("pk").first().grams == pytest.approx(28.35)


def test_backup_refuses_to_overwrite(tmp_path):
    path = tmp_path / "taken.dump"
    path.write_bytes(b"precious")
    with pytest.raises(CommandError, match="already exists") as error:
        call_command("backup_db", str(path))
    assert error.value.returncode == 2
    assert path.read_bytes() == b"precious"


def test_restore_refuses_a_file_that_is_not_a_backup(planned_day, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n")
    counts = row_counts()
    with pytest.raises(CommandError, match=r"not an SQLite database|not a pg_dump") as error:
        call_command("restore_db", str(path))
    assert error.value.returncode == 2
    assert row_counts() == counts


def test_restore_of_a_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError, match="not found") as error:
        call_command("restore_db", str(tmp_path / "missing.dump"))
    assert error.value.returncode == 2
