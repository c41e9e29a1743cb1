"""`manage.py seed_demo`: demo accounts and a planned week, for trying the planner out."""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse
from django.utils import timezone

from plans.demo import ACCOUNTS, DEFAULT_DEMO_PASSWORD, PERSON_KEY, DemoError, seed_demo

# Like score_day: a refusal the user can fix exits 2, distinct from a crash (1).
EXIT_NOT_READY = 2


class Command(BaseCommand):
    help = (
        "Create the demo accounts (admin, a person with a planned week and five recipes, a "
        "dietitian linked to the person, a food editor) and plan the current week. "
        "Idempotent: only what is missing is made, and a dietitian's link with the person "
        "that was ended is made again. Needs load_foods "
        f"first. The password is {DEFAULT_DEMO_PASSWORD!r} unless DEMO_PASSWORD is set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default=os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000"),
            help="Where the site is served, for the printed links (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        try:
            report = seed_demo(password=password, today=timezone.localdate())
        except DemoError as error:
            self.stderr.write(f"seed_demo: {error}")
            raise SystemExit(EXIT_NOT_READY) from None
        base = options["base_url"].rstrip("/")
        for line in report.lines:
            self.stdout.write(f"  {line}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Nothing changed: the demo data was already there.")
        self.stdout.write("")
        self.stdout.write(f"Open {base}{reverse('accounts:login')} and log in as:")
        for spec in ACCOUNTS:
            shown = (
                "(password unchanged: set before this run)"
                if spec.email in report.kept_passwords
                else password
            )
            self.stdout.write(f"  {spec.role:<45} {spec.email:<24} {shown}")
        week = reverse("plans:week", args=[report.week_start.isoformat()])
        person = next(spec for spec in ACCOUNTS if spec.key == PERSON_KEY)
        self.stdout.write(f"The planned week of {person.email}: {base}{week}")
        self.stdout.write(f"Admin site: {base}{reverse('admin:index')}")
        self.stdout.write("These passwords are for the demo only; DEMO_PASSWORD overrides them.")
