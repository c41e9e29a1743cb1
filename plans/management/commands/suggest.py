"""`manage.py suggest FILE|-`: the best changes to one day for effective magnesium (issue 6).

Input: a day in the `score_day` format; `profile` may add `diet`, `exclusions` and `kcal_goal`.
Output: `{"suggestions": [...]}`, best first, each with exactly the contract keys
(plans.swaps.JSON_KEYS).
"""

from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError

from foods.selectors import food_values_by_code
from plans.day_json import SUGGEST_PROFILE_KEYS, DayInputError, parse_day, parse_preferences
from plans.management.day_command import DayCommand
from plans.swap_pool import candidate_pool
from plans.swaps import occasion_names, suggest, suggestion_to_json
from plans.targets import TargetError

DEFAULT_LIMIT = 10


class Command(DayCommand):
    command_name = "suggest"
    help = (
        "Suggest changes (add, replace, prepare, split) that raise one day's effective "
        "magnesium. Reads a score_day JSON day from FILE (or '-' for stdin), whose profile may "
        "add 'diet', 'exclusions' and 'kcal_goal'; prints {\"suggestions\": [...]} best "
        "first. Invalid input prints one line to stderr and exits 2."
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
            day = parse_day(data, food_values_by_code, profile_keys=SUGGEST_PROFILE_KEYS)
            diet, exclusions, kcal_goal = parse_preferences(data["profile"])
            if options["meal"] is not None and options["meal"] not in occasion_names(day):
                raise DayInputError(f"--meal: names no occasion: {options['meal']!r}")
            suggestions = suggest(
                day,
                candidate_pool(),
                diet=diet,
                exclusions=exclusions,
                kcal_goal=kcal_goal,
                meal=options["meal"],
                limit=options["limit"],
            )
        except (DayInputError, TargetError) as error:
            self.refuse(str(error))
        except DatabaseError as error:
            self.refuse_database(error, "read the food database")
        self.write_json({"suggestions": [suggestion_to_json(s) for s in suggestions]})
