"""`manage.py repair_custom_food_uses`: give people their own copies of others' custom foods
that a day or week template laid into their plans before templates copied them."""

from typing import Any

from django.core.management.base import BaseCommand

from mgplanner.page_cache import user_stamps_bump
from plans.services import custom_food_uses_repair


class Command(BaseCommand):
    help = (
        "Point every meal item and template item naming someone else's custom food at its "
        "owner's own copy (made once per person and food), so no one's plan shows a food "
        "hidden from them and every person can delete their own custom foods. Safe to run "
        "again: a second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        owner_ids = custom_food_uses_repair()
        # No write path invalidates cached pages (mgplanner/page_cache.py): the repaired
        # people's cached day pages still link to the food they may not open.
        user_stamps_bump(owner_ids)
        self.stdout.write(f"Repaired the plans and templates of {len(owner_ids)} people.")
