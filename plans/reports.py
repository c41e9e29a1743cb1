"""A client's report over a date range: per-day scores, averages, losses, top sources,
warnings, and the daily chart's geometry (pure: scored days in, dataclasses out).

Averages are taken over the *planned* days only (a day with at least one food, recipe or
dose that could be scored; `plans.selectors.day_item_count`), like the week page: an
unplanned day is missing data, not a day at 0 mg.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from plans.scoring import FACTOR_LABELS, WATERFALL_ORDER, DayScore

# A report longer than this is a typo in the range (and a very long PDF).
MAX_REPORT_DAYS = 92
TOP_SOURCES = 8


@dataclass(frozen=True, slots=True)
class ReportDayInput:
    date: date
    item_count: int
    score: DayScore | None  # None: not planned, or the profile cannot be scored that day
    # A day not planned but with vitamin D or calcium tablets logged: their kinds
    # (plans.selectors.day_logged_without_magnesium), so the report says so.
    logged_without_magnesium: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportDay:
    date: date
    planned: bool
    total_mg: float | None
    effective_mg: float | None
    target_mg: float | None
    ear_mg: float | None
    percent_of_target: float | None
    status: str | None
    logged_without_magnesium: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LossLine:
    key: str
    label: str
    average_mg: float
    share_of_plate: float  # fraction of the average magnesium on the plate


@dataclass(frozen=True, slots=True)
class SourceLine:
    name: str
    code: str | None
    is_supplement: bool
    effective_mg: float  # summed over the range
    average_mg: float  # per planned day
    days: int  # planned days it appears on


@dataclass(frozen=True, slots=True)
class WarningLine:
    code: str
    message: str  # from the most recent day it was raised
    days: int
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class ChartBar:
    date: date
    x: float
    y: float
    width: float
    height: float
    status: str | None
    percent: float | None


@dataclass(frozen=True, slots=True)
class ScoreChart:
    width: float
    height: float
    bars: tuple[ChartBar, ...]
    target_y: float  # the 100 % line
    max_percent: float
    gridlines: tuple[tuple[float, float], ...]  # (percent, y)


@dataclass(frozen=True, slots=True)
class Report:
    start: date
    end: date
    days: tuple[ReportDay, ...]
    planned_days: int
    days_below_ear: int
    average_total_mg: float | None
    average_effective_mg: float | None
    average_target_mg: float | None
    average_percent: float | None
    losses: tuple[LossLine, ...]
    top_sources: tuple[SourceLine, ...]
    warnings: tuple[WarningLine, ...]
    chart: ScoreChart


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


CHART_WIDTH = 640.0
CHART_HEIGHT = 200.0
CHART_MIN_MAX_PERCENT = 150.0


def score_chart(days: Sequence[ReportDay]) -> ScoreChart:
    """Bars of % of target per day, with the 100 % line; the scale stretches past 150 %."""
    top = max([CHART_MIN_MAX_PERCENT] + [d.percent_of_target or 0.0 for d in days if d.planned])
    # Round the scale up to a multiple of 50 so gridlines land on round figures.
    top = float(-(-top // 50) * 50)
    slot = CHART_WIDTH / max(len(days), 1)
    width = slot * 0.7

    def y_of(percent: float) -> float:
        return CHART_HEIGHT - CHART_HEIGHT * percent / top

    bars = []
    for index, day in enumerate(days):
        percent = day.percent_of_target if day.planned else None
        height = CHART_HEIGHT * (percent or 0.0) / top
        bars.append(
            ChartBar(
                date=day.date,
                x=round(index * slot + (slot - width) / 2, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                status=day.status,
                percent=percent,
            )
        )
    gridlines = tuple((float(p), round(y_of(p), 2)) for p in range(0, int(top) + 1, 50))
    return ScoreChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        bars=tuple(bars),
        target_y=round(y_of(100.0), 2),
        max_percent=top,
        gridlines=gridlines,
    )


def source_lines(scored: Sequence[tuple[date, DayScore]]) -> list[SourceLine]:
    """Every food and supplement of the scored days by effective mg, biggest first: one
    line per food or product however many items, doses or recipe ingredients it is (oats at
    breakfast and in a recipe at dinner are one line). The report's top sources, and the
    day page's (one day)."""
    mg_of: dict[tuple[str, str | None, bool], float] = defaultdict(float)
    days_of: dict[tuple[str, str | None, bool], set[date]] = defaultdict(set)
    for on, score in scored:
        for occasion in score.occasions:
            for item in occasion.items:
                key = (item.name, item.code, item.is_supplement)
                mg_of[key] += item.effective_mg
                days_of[key].add(on)
    count = len(scored)
    return sorted(
        (
            SourceLine(name, code, supplement, mg, mg / count, len(days_of[name, code, supplement]))
            for (name, code, supplement), mg in mg_of.items()
            if mg > 0
        ),
        key=lambda line: (-line.effective_mg, line.name),
    )


def build_report(start: date, end: date, inputs: Sequence[ReportDayInput]) -> Report:
    """Aggregate scored days (one per date from `start` to `end`, in order) into a report."""
    days: list[ReportDay] = []
    scored: list[tuple[date, DayScore]] = []
    for entry in inputs:
        score = entry.score
        if score is None or entry.item_count == 0:
            days.append(
                ReportDay(
                    entry.date, False, None, None, None, None, None, None,
                    entry.logged_without_magnesium,
                )
            )  # fmt: skip
            continue
        scored.append((entry.date, score))
        days.append(
            ReportDay(
                date=entry.date,
                planned=True,
                total_mg=score.total_mg,
                effective_mg=score.effective_mg,
                target_mg=score.target_mg,
                ear_mg=score.ear_mg,
                percent_of_target=score.percent_of_target,
                status=score.status,
            )
        )
    count = len(scored)
    plate = _mean([s.total_mg for _, s in scored]) or 0.0
    losses = []
    # In the day page's waterfall order and with its names (and /model/'s), so they agree.
    for kind in WATERFALL_ORDER:
        average = _mean([getattr(s.losses_mg, kind) for _, s in scored]) or 0.0
        losses.append(
            LossLine(kind, FACTOR_LABELS[kind], average, average / plate if plate else 0.0)
        )

    warning_days: dict[str, list[date]] = defaultdict(list)
    warning_message: dict[str, str] = {}
    for on, score in scored:
        for warning in score.warnings:
            warning_days[warning.code].append(on)
            warning_message[warning.code] = warning.message
    sources = source_lines(scored)[:TOP_SOURCES]
    warnings = sorted(
        (
            WarningLine(code, warning_message[code], len(set(on_days)), min(on_days), max(on_days))
            for code, on_days in warning_days.items()
        ),
        key=lambda line: (-line.days, line.code),
    )
    return Report(
        start=start,
        end=end,
        days=tuple(days),
        planned_days=count,
        days_below_ear=sum(1 for _, s in scored if s.effective_mg < s.ear_mg),
        average_total_mg=_mean([s.total_mg for _, s in scored]),
        average_effective_mg=_mean([s.effective_mg for _, s in scored]),
        average_target_mg=_mean([s.target_mg for _, s in scored]),
        average_percent=_mean([s.percent_of_target for _, s in scored]),
        losses=tuple(losses),
        top_sources=tuple(sources),
        warnings=tuple(warnings),
        chart=score_chart(days),
    )
