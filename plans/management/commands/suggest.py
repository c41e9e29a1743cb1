"""`manage.py suggest FILE|-`: the best changes to one day for effective magnesium (issue 6).

Input: a day in the `score_day` format; `profile` may add `diet` and `exclusions`. Output:
`{"suggestions": [...]}`, best first, each with exactly the contract keys (plans.swaps.JSON_KEYS).
"""

import json
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError

from foods.diet import DIETS, EXCLUSIONS
from foods.selectors import food_values_by_code
from plans.day_json import DayInputError, parse_day
from plans.management.day_command import DayCommand
from plans.swap_pool import candidate_pool
from plans.swaps import suggest, suggestion_to_json
from plans.targets import TargetError

DEFAULT_LIMIT = 10


class Command(DayCommand):
    command_name = "suggest"
    help = (
        "Suggest changes (add, replace, prepare, split) that raise one day's effective "
        "magnesium. Reads a score_day JSON day from FILE (or '-' for stdin), whose profile may "
        "add 'diet' and 'exclusions'; prints {\"suggestions\": [...]} best first. Invalid input "
        "prints one line to stderr and exits 2."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="day JSON file, or - for stdin")
        parser.add_argument(
            "--limit", type=int, default=DEFAULT_LIMIT, help="at most this many (default 10)"
        )
        parser.add_argument("--meal", help="only changes to this occasion")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] < 1:
            self.refuse(f"--limit must be 1 or more, not {options['limit']}")
        data = self.read_json(options["file"])
        try:
            day = parse_day(data, food_values_by_code)
            diet, exclusions = _diet_and_exclusions(data["profile"])
            if options["meal"] is not None and options["meal"] not in {m.name for m in day.meals}:
                raise DayInputError(f"--meal: names no occasion: {options['meal']!r}")
            suggestions = suggest(
                day,
                candidate_pool(),
                diet=diet,
                exclusions=exclusions,
                meal=options["meal"],
                limit=options["limit"],
            )
        except (DayInputError, TargetError) as error:
            self.refuse(str(error))
        except DatabaseError as error:
            self.refuse_database(error, "read the food database")
        self.write_json({"suggestions": [suggestion_to_json(s) for s in suggestions]})


def _diet_and_exclusions(profile: dict[str, Any]) -> tuple[str, frozenset[str]]:
    """The profile's diet and exclusions (parse_day has checked it is an object)."""
    diet = profile.get("diet")
    if diet is None:
        diet = "omnivore"
    if diet not in DIETS:
        shown = json.dumps(diet)[:40]
        raise DayInputError(f"profile.diet: must be one of {', '.join(DIETS)}, not {shown}")
    raw = profile.get("exclusions")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise DayInputError("profile.exclusions: must be a list of names")
    for index, name in enumerate(raw):
        if name not in EXCLUSIONS:
            shown = json.dumps(name)[:40]
            raise DayInputError(
                f"profile.exclusions[{index}]: unknown exclusion {shown} "
                f"(known: {', '.join(EXCLUSIONS)})"
            )
    return diet, frozenset(raw)
