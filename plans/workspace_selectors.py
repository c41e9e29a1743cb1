"""Reads for the dietitian's workspace: every client's last seven days in a fixed number
of queries, whatever the number of clients."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max, Q, QuerySet

from accounts.models import Profile, User
from accounts.selectors import clients_of, person_on
from plans.selectors import (
    _days_prefetched,
    day_item_count,
    day_logged_without_magnesium,
    day_to_engine,
)

# The window the list judges need by; the week page shows any other.
WINDOW_DAYS = 7


@dataclass(frozen=True, slots=True)
class ClientSummary:
    client: User
    average_percent: float | None  # over the scored days with food or supplements
    scored_days: int
    days_below_ear: int
    warnings: tuple[tuple[str, str], ...]  # (code, message), newest day's wording
    last_activity: datetime | None
    problem: str | None  # why nothing could be scored (an unfinished profile)
    # Tablets logged on unplanned days of the window (day_logged_without_magnesium), so a
    # client who logged only vitamin D is not listed as having done nothing.
    logged_without_magnesium: tuple[str, ...] = ()

    @property
    def need_key(self) -> tuple[float, int, int]:
        """Lowest average first (no planned day counts as 0 %), then more days below the
        EAR, then more warnings."""
        average = self.average_percent if self.average_percent is not None else 0.0
        return (average, -self.days_below_ear, -len(self.warnings))


def clients_matching(*, dietitian: User, query: str = "") -> QuerySet[User]:
    """The dietitian's clients whose name or email holds every word of `query`."""
    clients = clients_of(dietitian)
    for word in query.split()[:5]:
        clients = clients.filter(
            Q(display_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return clients


def client_summaries(*, dietitian: User, today: date, query: str = "") -> list[ClientSummary]:
    """Each matching client's last seven days (today included), sorted by need.

    Queries: clients with profile and last activity (1), then the days of all of them
    with meals, items, foods, recipes and doses (a fixed handful), scored in Python.
    """
    from plans.scoring import score_day
    from plans.targets import TargetError

    clients = list(
        clients_matching(dietitian=dietitian, query=query)
        .select_related("profile")
        .annotate(last_activity=Max("plan__days__last_edited_at"))
        .order_by("display_name", "email")
    )
    start = today - timedelta(days=WINDOW_DAYS - 1)
    days_by_owner: dict[int, list] = {client.pk: [] for client in clients}
    if clients:
        days = _days_prefetched(dietitian).filter(
            plan__owner__in=[client.pk for client in clients], date__range=(start, today)
        )
        for day in days.order_by("date"):
            days_by_owner[day.plan.owner_id].append(day)
    summaries = []
    for client in clients:
        profile = getattr(client, "profile", None) or Profile(user=client)
        percents: list[float] = []
        below = 0
        warnings: dict[str, str] = {}
        problem = None
        logged: set[str] = set()
        for day in days_by_owner[client.pk]:
            if not day_item_count(day):
                logged.update(day_logged_without_magnesium(day))
                continue
            try:
                score = score_day(day_to_engine(day, person_on(profile, day.date)))
            except (TargetError, ValueError) as error:
                problem = str(error)
                continue
            percents.append(score.percent_of_target)
            below += score.status == "low"
            for warning in score.warnings:
                warnings[warning.code] = warning.message
        summaries.append(
            ClientSummary(
                client=client,
                average_percent=sum(percents) / len(percents) if percents else None,
                scored_days=len(percents),
                days_below_ear=below,
                warnings=tuple(sorted(warnings.items())),
                last_activity=client.last_activity,  # type: ignore[attr-defined]
                problem=problem,
                logged_without_magnesium=tuple(sorted(logged)),
            )
        )
    return sorted(summaries, key=lambda summary: summary.need_key)
