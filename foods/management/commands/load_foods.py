"""manage.py load_foods [PATH] [--force] [--quiet]: load the shipped food file."""

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from foods.food_file import FoodFileError
from foods.services import SHIPPED_FILE, food_data_load

T = TypeVar("T")


class Command(BaseCommand):
    help = (
        "Load (upsert) the SR28 foods of a food file in one transaction. A file already "
        "loaded (same sha256) is skipped unless --force. Custom foods are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=SHIPPED_FILE)
        parser.add_argument("--force", action="store_true", help="load even if loaded before")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"food file not found: {path}", returncode=2)
        # The bar goes to stderr, and only to a terminal: logs and pipes stay clean.
        show_bar = not options["quiet"] and options["verbosity"] > 0 and sys.stderr.isatty()

        def progress(items: Sequence[T]) -> Iterable[T]:
            return tqdm(items, desc="foods", unit="food", file=sys.stderr, disable=not show_bar)

        try:
            result = food_data_load(path=path, force=options["force"], progress=progress)
        except FoodFileError as error:
            raise CommandError(f"{path.name} {error}; nothing loaded", returncode=2) from None
        if options["verbosity"] == 0:
            return
        if result.baselines:
            # Once, on a database loaded before loads kept history: the values an editor can
            # revert a food to in the admin.
            self.stdout.write(
                f"Recorded the loaded values of {result.baselines} foods in their history"
            )
        if result.measure_baselines:
            # Likewise for household measures, so their first edit can say what they weighed.
            self.stdout.write(
                f"Recorded the loaded weights of {result.measure_baselines} household measures "
                "in their history"
            )
        if result.skipped:
            self.stdout.write(f"{path.name} already loaded, nothing to do (use --force to reload)")
            return
        self.stdout.write(
            f"Loaded {result.foods} foods, {result.portions} portions from {path.name}: "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
