"""`manage.py repair_link_recipe_uses`: hand over the recipes of dietitian links that ended
before ending a link handed them over (plans.recipe_services)."""

from typing import Any

from django.core.management.base import BaseCommand

from plans.recipe_services import recipes_handed_over_for_ended_links


class Command(BaseCommand):
    help = (
        "For every dietitian link that has ended (and was not made again), give each of the "
        "two their own copy of every shared recipe of the other's that their meals and "
        "templates still use, as ending a link now does, so the other's edits no longer "
        "change their scores. Their cached pages are refreshed. Safe to run again: a second "
        "run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = recipes_handed_over_for_ended_links()
        people = "1 person" if len(changed) == 1 else f"{len(changed)} people"
        self.stdout.write(f"Handed recipes over to {people}.")
