"""Daily magnesium targets: RDA, EAR and the supplemental upper limit (pure, no Django).

Figures are the IOM Dietary Reference Intakes (1997) as tabulated by the NIH Office of
Dietary Supplements magnesium fact sheet (scoring-model.md section 1).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

SEXES = ("female", "male")
MEDICATIONS = ("digoxin", "ppi", "loop_diuretic", "thiazide_diuretic")
CKD_STAGES = range(6)

# A dietitian's custom target replaces the RDA; the RDA is set at EAR + 2 SD, i.e. EAR x 1.2,
# so the matching EAR for a custom target is target / 1.2 (scoring-model.md section 1).
CUSTOM_EAR_DIVISOR = 1.2
# Below 1 mg a "target" is not one, and a percentage of it overflows to infinity.
MIN_CUSTOM_TARGET_MG = 1.0


@dataclass(frozen=True, slots=True)
class Band:
    """One row of a DRI table: ages `lo <= age < hi` (hi None = no upper end)."""

    lo: int
    hi: int | None
    rda_female_mg: float
    rda_male_mg: float
    ear_female_mg: float
    ear_male_mg: float

    def holds(self, age_years: int) -> bool:
        return self.lo <= age_years and (self.hi is None or age_years < self.hi)

    @property
    def ages_label(self) -> str:
        return f"{self.lo} and over" if self.hi is None else f"{self.lo}–{self.hi - 1}"


@dataclass(frozen=True, slots=True)
class LifeStageBand:
    """A pregnancy or lactation row: one RDA/EAR for ages `lo <= age < hi`."""

    lo: int
    hi: int
    rda_mg: float
    ear_mg: float

    def holds(self, age_years: int) -> bool:
        return self.lo <= age_years < self.hi

    @property
    def ages_label(self) -> str:
        return f"{self.lo}–{self.hi - 1}"


@dataclass(frozen=True, slots=True)
class UlBand:
    lo: int
    hi: int | None
    ul_mg: float

    def holds(self, age_years: int) -> bool:
        return self.lo <= age_years and (self.hi is None or age_years < self.hi)

    @property
    def ages_label(self) -> str:
        return f"{self.lo} and over" if self.hi is None else f"{self.lo}–{self.hi - 1}"


RDA_BANDS: tuple[Band, ...] = (
    Band(1, 4, 80, 80, 65, 65),
    Band(4, 9, 130, 130, 110, 110),
    Band(9, 14, 240, 240, 200, 200),
    Band(14, 19, 360, 410, 300, 340),
    Band(19, 31, 310, 400, 255, 330),
    Band(31, None, 320, 420, 265, 350),
)
PREGNANCY_BANDS: tuple[LifeStageBand, ...] = (
    LifeStageBand(14, 19, 400, 335),
    LifeStageBand(19, 31, 350, 290),
    LifeStageBand(31, 51, 360, 300),
)
LACTATION_BANDS: tuple[LifeStageBand, ...] = (
    LifeStageBand(14, 19, 360, 300),
    LifeStageBand(19, 31, 310, 255),
    LifeStageBand(31, 51, 320, 265),
)
# Supplements and medicines only, never food; pregnancy and lactation share the 9+ figure.
SUPPLEMENT_UL_BANDS: tuple[UlBand, ...] = (
    UlBand(1, 4, 65),
    UlBand(4, 9, 110),
    UlBand(9, None, 350),
)


class TargetError(ValueError):
    """The person has no magnesium target the model can use (message is for people)."""


@dataclass(frozen=True, slots=True)
class Person:
    sex: str  # "female" | "male"
    age_years: int
    pregnant: bool = False
    lactating: bool = False
    ckd_stage: int = 0  # 0 = no chronic kidney disease, else stage 1..5
    medications: frozenset[str] = frozenset()  # values of MEDICATIONS
    target_mg: float | None = None  # custom target set by a dietitian


@dataclass(frozen=True, slots=True)
class Target:
    target_mg: float
    ear_mg: float
    source: str  # "rda" | "pregnant" | "lactating" | "custom"
    supplement_ul_mg: float
    label: str  # for people


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on `day` (a 29 February birthday turns over on 1 March)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


class _AgeBand(Protocol):
    def holds(self, age_years: int) -> bool: ...


BandT = TypeVar("BandT", bound=_AgeBand)


def _band(bands: tuple[BandT, ...], age_years: int) -> BandT | None:
    for band in bands:
        if band.holds(age_years):
            return band
    return None


def supplement_ul_mg(age_years: int) -> float:
    band = _band(SUPPLEMENT_UL_BANDS, age_years)
    if band is None:
        raise TargetError("There is no upper limit for supplemental magnesium under 1 year.")
    return float(band.ul_mg)


def _fmt_mg(value: float) -> str:
    return f"{value:.0f} mg" if float(value).is_integer() else f"{value:.1f} mg"


def custom_target_label(target_mg: float, *, set_by: str = "your dietitian") -> str:
    """The custom target's label: `Target.label` (and `score_day`) say "your dietitian", as
    the engine knows no names; `target_line` names them."""
    return f"Custom target set by {set_by}: {_fmt_mg(target_mg)}"


def target_line(target: Target, *, set_by: str | None = None, reason: str = "") -> str:
    """The target in one sentence, as every page and report shows it: its label ("RDA,
    women 31–50: 320 mg."), for a custom target who set it and why ("Custom target set by
    Dr Ada Vale: 380 mg — Migraine trial."). The name tells a person with two dietitians,
    or whoever reads a handed-on PDF, which one; `set_by` is None once that account is gone.
    One full stop (a reason may end with its own)."""
    line = target.label
    if target.source == "custom":
        line = custom_target_label(target.target_mg, set_by=set_by or "a dietitian")
        if reason:
            line = f"{line} — {reason}"
    return line if line.endswith((".", "!", "?", "…")) else f"{line}."


def custom_target_in_force(
    history: Sequence[Mapping[str, Any]], day: date
) -> Mapping[str, Any] | None:
    """The entry of a custom-target history in force on `day`; None before its first entry.

    Each entry applies from its "from" day ("YYYY-MM-DD"; None: always, a target set before
    targets had a history) until the next entry's; its "mg" None means no custom target, so
    the model's own (RDA, pregnancy, lactation) applies. A change thus leaves every earlier
    day scored against the target it had then: last month's report, week averages and the
    client list do not move after the fact. Of two entries from one day the later counts.
    """
    in_force: Mapping[str, Any] | None = None
    in_force_from = date.min
    for entry in history:
        start = entry["from"]
        entry_from = date.min if start is None else date.fromisoformat(start)
        if entry_from <= day and (in_force is None or entry_from >= in_force_from):
            in_force, in_force_from = entry, entry_from
    return in_force


def first_target_day(date_of_birth: date) -> date:
    """The first day the model has a target for someone born on `date_of_birth`: the day
    they reach the first RDA band's age (1 year; no RDA below it, see `target_for`)."""
    first_age = RDA_BANDS[0].lo
    try:
        return date_of_birth.replace(year=date_of_birth.year + first_age)
    except ValueError:  # born on 29 February: `age_on` turns the year over on 1 March
        return date(date_of_birth.year + first_age, 3, 1)


def _people(sex: str, band: Band) -> str:
    if band.hi is not None and band.hi <= 14:
        return "children"
    if band.lo < 19:
        return "girls" if sex == "female" else "boys"
    return "women" if sex == "female" else "men"


def target_for(person: Person) -> Target:
    """The person's daily target; raises TargetError when there is none.

    Pregnancy takes precedence over lactation when both are set; outside the pregnancy and
    lactation bands (under 14, 51 and over) the ordinary row for age and sex applies.
    """
    if person.sex not in SEXES:
        raise TargetError(
            f"Sex must be 'female' or 'male' (it picks the RDA row), not {person.sex!r}."
        )
    age = person.age_years
    if age < 1:
        raise TargetError(
            "There is no RDA for magnesium under 1 year (only an adequate intake); "
            "the model scores people aged 1 and over."
        )
    ul_mg = supplement_ul_mg(age)
    if person.target_mg is not None:
        if not person.target_mg > 0:
            raise TargetError("A custom target must be more than 0 mg.")
        if person.target_mg < MIN_CUSTOM_TARGET_MG:
            raise TargetError(f"A custom target must be at least {MIN_CUSTOM_TARGET_MG:g} mg.")
        target_mg = float(person.target_mg)
        return Target(
            target_mg=target_mg,
            ear_mg=target_mg / CUSTOM_EAR_DIVISOR,
            source="custom",
            supplement_ul_mg=ul_mg,
            label=custom_target_label(target_mg),
        )
    female = person.sex == "female"
    if female and person.pregnant:
        stage = _band(PREGNANCY_BANDS, age)
        if stage is not None:
            return Target(
                target_mg=float(stage.rda_mg),
                ear_mg=float(stage.ear_mg),
                source="pregnant",
                supplement_ul_mg=ul_mg,
                label=f"RDA in pregnancy, ages {stage.ages_label}: {_fmt_mg(stage.rda_mg)}",
            )
    if female and person.lactating:
        stage = _band(LACTATION_BANDS, age)
        if stage is not None:
            return Target(
                target_mg=float(stage.rda_mg),
                ear_mg=float(stage.ear_mg),
                source="lactating",
                supplement_ul_mg=ul_mg,
                label=f"RDA while breastfeeding, ages {stage.ages_label}: {_fmt_mg(stage.rda_mg)}",
            )
    band = _band(RDA_BANDS, age)
    if band is None:  # unreachable for age >= 1: the last band has no upper end
        raise TargetError(f"No RDA for age {age}.")
    rda_mg = band.rda_female_mg if female else band.rda_male_mg
    ear_mg = band.ear_female_mg if female else band.ear_male_mg
    return Target(
        target_mg=float(rda_mg),
        ear_mg=float(ear_mg),
        source="rda",
        supplement_ul_mg=ul_mg,
        label=f"RDA, {_people(person.sex, band)} {band.ages_label}: {_fmt_mg(rda_mg)}",
    )
