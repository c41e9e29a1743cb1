"""The magnesium scoring engine: effective mg of a day (pure, no Django).

Implements the specification scoring-model.md (summarised in the README): per eating occasion,
`effective = M x dose x form x phytate x oxalate x calcium`; the day's loss is split among
the five factors in proportion to -ln(factor) so the breakdown adds up exactly.

Written for speed (a planner re-scores a day on every edit and swaps score many variants):
one pass over the items, constants precomputed at import, result objects are tuples.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

from foods.values import FoodValues
from plans.supplements import FORMS
from plans.targets import Person, Target, target_for

# --- dose: Fine et al., J Clin Invest 1991 — a saturable (hyperbolic) term plus a linear
# term absorbing ~7 % of any load; constants calibrated to Fine's 11 % at 972 mg and to
# Bohn 2004's 32.5 % for a phytate-free meal carrying 87.5 mg.
DOSE_SATURABLE_MAX_MG = 42.0
DOSE_HALF_SATURATION_MG = 77.0
DOSE_LINEAR_FRACTION = 0.07
# The reference load is the target eaten in three equal meals: meals up to a third of the
# target lose nothing to saturation.
DOSE_REFERENCE_MEALS = 3

# --- phytate: Bohn et al., Am J Clin Nutr 2004;79:418 — added phytic acid (mmol) against the
# fraction of magnesium absorbed relative to the phytate-free meal. No human data beyond the
# last point, so the factor is held there rather than extrapolated.
PHYTIC_ACID_G_PER_MOL = 660.04
PHYTATE_POINTS: tuple[tuple[float, float], ...] = ((0.0, 1.0), (0.75, 0.745), (1.49, 0.40))

# --- oxalate: Bohn et al., Br J Nutr 2004;91:601 — spinach (6.6 mmol oxalic acid) against kale.
OXALIC_ACID_G_PER_MOL = 90.03
OXALATE_POINTS: tuple[tuple[float, float], ...] = ((0.0, 1.0), (6.6, 0.73))

# --- calcium: the threshold is the adult calcium UL (and the seed's); slope and floor are a
# MODELLING ASSUMPTION, shown as such in the UI, to be revised when better data are found.
CALCIUM_FREE_MG = 2500.0
CALCIUM_LOSS_PER_1000_MG = 0.10
CALCIUM_FLOOR = 0.80

# --- preparation (phytate only): mid-range reported reductions (Gupta et al., J Food Sci
# Technol 2015: soaking legumes ~20-50 %, germination ~30-60 %, sourdough ~60-90 %). Estimates.
PREPARATIONS = ("none", "soaked", "sprouted", "fermented")
PREPARATION_PHYTATE_FACTOR = {"none": 1.0, "soaked": 0.75, "sprouted": 0.60, "fermented": 0.40}

# A single occasion carrying more supplemental magnesium than this gets a split_dose warning.
SPLIT_DOSE_THRESHOLD_MG = 250.0

FACTORS = ("dose", "form", "phytate", "oxalate", "calcium")
# The order the UI's waterfall walks the losses.
WATERFALL_ORDER = ("phytate", "oxalate", "calcium", "form", "dose")
FACTOR_LABELS = {
    "dose": "Large single doses",
    "form": "Supplement form",
    "phytate": "Phytate",
    "oxalate": "Oxalate",
    "calcium": "Very high calcium",
}


def absorbed_mg(magnesium_mg: float) -> float:
    """A(M): mg absorbed from one occasion carrying `magnesium_mg` (Fine 1991 shape)."""
    return (
        DOSE_SATURABLE_MAX_MG * magnesium_mg / (DOSE_HALF_SATURATION_MG + magnesium_mg)
        + DOSE_LINEAR_FRACTION * magnesium_mg
    )


def absorbed_fraction(magnesium_mg: float) -> float:
    """A(M) / M; its limit at M -> 0 is 42/77 + 0.07."""
    return DOSE_SATURABLE_MAX_MG / (DOSE_HALF_SATURATION_MG + magnesium_mg) + DOSE_LINEAR_FRACTION


def dose_factor(magnesium_mg: float, target_mg: float) -> float:
    """min(1, fraction(M) / fraction(target / 3))."""
    ratio = absorbed_fraction(magnesium_mg) / absorbed_fraction(target_mg / DOSE_REFERENCE_MEALS)
    return ratio if ratio < 1.0 else 1.0


def _piecewise(points: tuple[tuple[float, float], ...], x: float) -> float:
    """Linear through `points`; held at the last y beyond the last x."""
    x0, y0 = points[0]
    for x1, y1 in points[1:]:
        if x < x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        x0, y0 = x1, y1
    return y0


def phytate_factor(phytic_acid_mg: float) -> float:
    """Linear through Bohn 2004's points in mmol phytic acid; held at 0.40 beyond 1.49 mmol."""
    if phytic_acid_mg <= 0.0:
        return 1.0
    return _piecewise(PHYTATE_POINTS, phytic_acid_mg / PHYTIC_ACID_G_PER_MOL)


def oxalate_factor(oxalic_acid_mg: float) -> float:
    """Linear through (0, 1.0) and (6.6 mmol, 0.73); held at 0.73 beyond."""
    if oxalic_acid_mg <= 0.0:
        return 1.0
    return _piecewise(OXALATE_POINTS, oxalic_acid_mg / OXALIC_ACID_G_PER_MOL)


def calcium_factor(day_calcium_mg: float) -> float:
    """1.0 up to 2,500 mg a day; then 0.10 per extra 1,000 mg, floored at 0.80 (assumption)."""
    if day_calcium_mg <= CALCIUM_FREE_MG:
        return 1.0
    value = 1.0 - CALCIUM_LOSS_PER_1000_MG * (day_calcium_mg - CALCIUM_FREE_MG) / 1000.0
    return value if value > CALCIUM_FLOOR else CALCIUM_FLOOR


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    grams: float
    magnesium_mg_per_100g: float
    phytate_mg_per_100g: float = 0.0
    oxalate_mg_per_100g: float = 0.0
    calcium_mg_per_100g: float = 0.0
    kcal_per_100g: float = 0.0
    preparation: str = "none"
    code: str | None = None
    key: str | None = None  # the caller's id, e.g. "item-7"


def food_item(
    food: FoodValues,
    grams: float,
    *,
    name: str | None = None,
    preparation: str = "none",
    key: str | None = None,
) -> Item:
    """`grams` of a database or custom food as the engine's Item (its name unless given)."""
    return Item(
        name=name or food.name,
        grams=grams,
        magnesium_mg_per_100g=food.magnesium_mg_per_100g,
        phytate_mg_per_100g=food.phytate_mg_per_100g,
        oxalate_mg_per_100g=food.oxalate_mg_per_100g,
        calcium_mg_per_100g=food.calcium_mg_per_100g,
        kcal_per_100g=food.kcal_per_100g,
        preparation=preparation,
        code=food.code,
        key=key,
    )


@dataclass(frozen=True, slots=True)
class Supplement:
    form: str
    elemental_mg: float
    name: str = ""
    with_meal: str | None = None  # a Meal's name; None = its own occasion
    calcium_mg: float = 0.0
    bioavailability: float | None = None  # None = the form's value
    key: str | None = None
    # Taken on its own at this time ("08:00"): what is swallowed together is one occasion,
    # whatever the product, and the same product at two times is two. None: the occasion
    # is the product's (`score_day` input names no time).
    at: str | None = None

    @property
    def occasion_name(self) -> str:
        return self.with_meal if self.with_meal is not None else standalone_name(self)


def standalone_name(supplement: Supplement) -> str:
    """The occasion of a supplement taken on its own: "supplement:08:00" when it has a time
    (warnings then read "The 08:00 dose carries…"), else "supplement:<name or form>"."""
    return f"supplement:{supplement.at or supplement.name or supplement.form}"


@dataclass(frozen=True, slots=True)
class Meal:
    name: str
    items: tuple[Item, ...] = ()


@dataclass(frozen=True, slots=True)
class Day:
    person: Person
    meals: tuple[Meal, ...] = ()
    supplements: tuple[Supplement, ...] = ()


# ---------------------------------------------------------------------------- results


class Losses(NamedTuple):
    dose: float = 0.0
    form: float = 0.0
    phytate: float = 0.0
    oxalate: float = 0.0
    calcium: float = 0.0

    @property
    def total(self) -> float:
        return self.dose + self.form + self.phytate + self.oxalate + self.calcium


class ItemScore(NamedTuple):
    """One item's or supplement's share of its occasion's effective mg.

    Shares are the item's mg x (its form's bioavailability, 1.0 for food) x the occasion's
    other factors, so they add up to the occasion's effective mg: phytate and oxalate bind
    magnesium from the whole meal, not only from the food that carries them.
    """

    name: str
    code: str | None
    key: str | None
    magnesium_mg: float
    effective_mg: float
    kcal: float
    is_supplement: bool = False


class OccasionScore(NamedTuple):
    name: str
    magnesium_mg: float
    effective_mg: float
    factors: dict[str, float]  # dose, form, phytate, oxalate, calcium
    items: tuple[ItemScore, ...]
    food_mg: float
    supplement_elemental_mg: float
    supplement_weighted_mg: float  # elemental mg x each form's bioavailability
    absorbed_mg: float  # A(M) x form x phytate x oxalate x calcium (information only)
    losses_mg: Losses
    phytate_mg: float
    oxalate_mg: float
    is_meal: bool


class Warning(NamedTuple):  # the API's name; it shadows the builtin only in this module
    code: str
    message: str


class WaterfallStep(NamedTuple):
    key: str  # "plate", a factor name, or "effective"
    label: str
    delta_mg: float  # 0 for plate/effective, negative for a loss
    start_mg: float
    end_mg: float


@dataclass(frozen=True, slots=True)
class DayScore:
    target: Target
    target_mg: float
    ear_mg: float
    target_source: str
    food_mg: float
    supplement_elemental_mg: float
    total_mg: float
    estimated_absorbed_mg: float
    effective_mg: float
    percent_of_target: float
    status: str  # "meets" | "near" | "low"
    losses_mg: Losses
    occasions: tuple[OccasionScore, ...]
    warnings: tuple[Warning, ...]
    kcal: float
    calcium_mg: float

    @property
    def warning_codes(self) -> tuple[str, ...]:
        return tuple(sorted(warning.code for warning in self.warnings))


# When each warning fires, for people (the /model/ page lists them); messages are built per day.
WARNING_RULES = {
    "supplement_above_ul": "The day's supplements carry more magnesium than the upper limit for "
    "supplemental magnesium at the person's age.",
    "split_dose": f"One eating occasion carries more than {SPLIT_DOSE_THRESHOLD_MG:.0f} mg of "
    "supplemental magnesium.",
    "ckd_supplement": "Chronic kidney disease stage 3 or above, and any magnesium supplement.",
    "digoxin": "The person takes digoxin.",
    "ppi": "The person takes a proton-pump inhibitor long term.",
    "diuretic": "The person takes a loop or thiazide diuretic.",
    "calcium_high": f"The day carries more than {CALCIUM_FREE_MG:,.0f} mg of calcium.",
}

STATUS_LABELS = {"meets": "Meets target", "near": "Near target", "low": "Below target"}

# Float noise must not turn "exactly a third of the target three times" into "near".
_STATUS_TOLERANCE_MG = 1e-6

_MIN_FACTOR = 1e-12
_UNIT_FACTORS = {"dose": 1.0, "form": 1.0, "phytate": 1.0, "oxalate": 1.0, "calcium": 1.0}
_NO_LOSSES = Losses()
_log = math.log


def _split_loss(
    loss_mg: float, dose: float, form: float, phytate: float, oxalate: float, calcium: float
) -> Losses:
    """Split an occasion's loss among factors in proportion to -ln(factor)."""
    if loss_mg <= 0.0:
        return _NO_LOSSES
    w_dose = -_log(dose) if dose < 1.0 else 0.0
    w_form = -_log(form) if form < 1.0 else 0.0
    w_phytate = -_log(phytate) if phytate < 1.0 else 0.0
    w_oxalate = -_log(oxalate) if oxalate < 1.0 else 0.0
    w_calcium = -_log(calcium) if calcium < 1.0 else 0.0
    weight = w_dose + w_form + w_phytate + w_oxalate + w_calcium
    if weight <= 0.0:
        return _NO_LOSSES
    per = loss_mg / weight
    return Losses(w_dose * per, w_form * per, w_phytate * per, w_oxalate * per, w_calcium * per)


class _Acc:
    """Running sums of one occasion during the single pass over the day."""

    __slots__ = (
        "food_mg",
        "is_meal",
        "kcal",
        "members",
        "name",
        "oxalate_mg",
        "phytate_mg",
        "supplement_mg",
        "weighted_supplement_mg",
    )

    def __init__(self, name: str, is_meal: bool) -> None:
        self.name = name
        self.is_meal = is_meal
        self.food_mg = 0.0
        self.supplement_mg = 0.0
        self.weighted_supplement_mg = 0.0
        self.phytate_mg = 0.0
        self.oxalate_mg = 0.0
        self.kcal = 0.0
        # (name, code, key, mg, weighted mg, kcal, is_supplement)
        self.members: list[tuple[str, str | None, str | None, float, float, float, bool]] = []


def score_day(day: Day) -> DayScore:
    """Score one day; raises TargetError (no target) or ValueError (inconsistent input)."""
    target = target_for(day.person)
    target_mg = target.target_mg
    reference_fraction = absorbed_fraction(target_mg / DOSE_REFERENCE_MEALS)
    prep = PREPARATION_PHYTATE_FACTOR

    accs: list[_Acc] = []
    calcium_mg = 0.0
    for meal in day.meals:
        acc = _Acc(meal.name, True)
        accs.append(acc)
        food = phytate = oxalate = kcal = 0.0
        members = acc.members
        for item in meal.items:
            scale = item.grams / 100.0
            mg = scale * item.magnesium_mg_per_100g
            item_kcal = scale * item.kcal_per_100g
            food += mg
            kcal += item_kcal
            calcium_mg += scale * item.calcium_mg_per_100g
            if item.phytate_mg_per_100g:
                try:
                    phytate += scale * item.phytate_mg_per_100g * prep[item.preparation]
                except KeyError:
                    raise ValueError(
                        f"Unknown preparation {item.preparation!r} for {item.name!r}."
                    ) from None
            if item.oxalate_mg_per_100g:
                oxalate += scale * item.oxalate_mg_per_100g
            members.append((item.name, item.code, item.key, mg, mg, item_kcal, False))
        acc.food_mg = food
        acc.phytate_mg = phytate
        acc.oxalate_mg = oxalate
        acc.kcal = kcal

    supplement_total_mg = 0.0
    if day.supplements:
        by_meal = {}
        for acc in reversed(accs):  # reversed: the first meal of a name wins
            by_meal[acc.name] = acc
        standalone: dict[str, _Acc] = {}
        for supplement in day.supplements:
            form = FORMS.get(supplement.form)
            if form is None:
                raise ValueError(f"Unknown supplement form {supplement.form!r}.")
            if supplement.with_meal is not None:
                acc = by_meal.get(supplement.with_meal)
                if acc is None:
                    raise ValueError(f"No meal named {supplement.with_meal!r} for a supplement.")
            else:
                name = standalone_name(supplement)
                acc = standalone.get(name)
                if acc is None:
                    acc = standalone[name] = _Acc(name, False)
                    accs.append(acc)
            bio = (
                supplement.bioavailability
                if supplement.bioavailability is not None
                else form.bioavailability
            )
            mg = supplement.elemental_mg
            acc.supplement_mg += mg
            acc.weighted_supplement_mg += mg * bio
            supplement_total_mg += mg
            calcium_mg += supplement.calcium_mg
            acc.members.append(
                (supplement.name or form.label, None, supplement.key, mg, mg * bio, 0.0, True)
            )

    calcium = calcium_factor(calcium_mg)
    occasions: list[OccasionScore] = []
    food_total = effective_total = absorbed_total = kcal_total = 0.0
    l_dose = l_form = l_phytate = l_oxalate = l_calcium = 0.0
    for acc in accs:
        food = acc.food_mg
        magnesium = food + acc.supplement_mg
        food_total += food
        kcal_total += acc.kcal
        if magnesium <= 0.0:
            occasions.append(
                OccasionScore(
                    acc.name,
                    0.0,
                    0.0,
                    _UNIT_FACTORS.copy(),
                    tuple(ItemScore(m[0], m[1], m[2], m[3], 0.0, m[5], m[6]) for m in acc.members),
                    food,
                    acc.supplement_mg,
                    acc.weighted_supplement_mg,
                    0.0,
                    _NO_LOSSES,
                    acc.phytate_mg,
                    acc.oxalate_mg,
                    acc.is_meal,
                )
            )
            continue
        fraction = (
            DOSE_SATURABLE_MAX_MG / (DOSE_HALF_SATURATION_MG + magnesium) + DOSE_LINEAR_FRACTION
        )
        dose = fraction / reference_fraction
        if dose > 1.0:
            dose = 1.0
        form = 1.0
        if acc.supplement_mg:
            form = (food + acc.weighted_supplement_mg) / magnesium
            if form < _MIN_FACTOR:  # only by float underflow of a vanishing dose
                form = _MIN_FACTOR
        phytate = phytate_factor(acc.phytate_mg) if acc.phytate_mg else 1.0
        oxalate = oxalate_factor(acc.oxalate_mg) if acc.oxalate_mg else 1.0
        rest = dose * phytate * oxalate * calcium  # everything but form, for the item shares
        effective = (food + acc.weighted_supplement_mg) * rest
        absorbed = fraction * magnesium * form * phytate * oxalate * calcium
        losses = _split_loss(magnesium - effective, dose, form, phytate, oxalate, calcium)
        l_dose += losses.dose
        l_form += losses.form
        l_phytate += losses.phytate
        l_oxalate += losses.oxalate
        l_calcium += losses.calcium
        effective_total += effective
        absorbed_total += absorbed
        occasions.append(
            OccasionScore(
                acc.name,
                magnesium,
                effective,
                {
                    "dose": dose,
                    "form": form,
                    "phytate": phytate,
                    "oxalate": oxalate,
                    "calcium": calcium,
                },
                tuple(
                    ItemScore(m[0], m[1], m[2], m[3], m[4] * rest, m[5], m[6]) for m in acc.members
                ),
                food,
                acc.supplement_mg,
                acc.weighted_supplement_mg,
                absorbed,
                losses,
                acc.phytate_mg,
                acc.oxalate_mg,
                acc.is_meal,
            )
        )

    if effective_total >= target_mg - _STATUS_TOLERANCE_MG:
        status = "meets"
    elif effective_total >= target.ear_mg - _STATUS_TOLERANCE_MG:
        status = "near"
    else:
        status = "low"
    return DayScore(
        target=target,
        target_mg=target_mg,
        ear_mg=target.ear_mg,
        target_source=target.source,
        food_mg=food_total,
        supplement_elemental_mg=supplement_total_mg,
        total_mg=food_total + supplement_total_mg,
        estimated_absorbed_mg=absorbed_total,
        effective_mg=effective_total,
        percent_of_target=100.0 * effective_total / target_mg,
        status=status,
        losses_mg=Losses(l_dose, l_form, l_phytate, l_oxalate, l_calcium),
        occasions=tuple(occasions),
        warnings=_warnings(day.person, target, occasions, supplement_total_mg, calcium_mg, calcium),
        kcal=kcal_total,
        calcium_mg=calcium_mg,
    )


def split_gain_mg(occasion: OccasionScore, target_mg: float) -> float:
    """Effective mg gained by taking half of the occasion's supplements at another time.

    The occasion keeps its food and half the supplement; the other half becomes an occasion
    of its own. Phytate, oxalate and the day's calcium factor are unchanged by the move.
    """
    supplement_mg = occasion.supplement_elemental_mg
    if supplement_mg <= 0.0:
        return 0.0
    factors = occasion.factors
    weighted_mg = occasion.supplement_weighted_mg
    binding = factors["phytate"] * factors["oxalate"]
    calcium = factors["calcium"]
    food_mg = occasion.food_mg
    kept = (
        (food_mg + weighted_mg / 2) * dose_factor(food_mg + supplement_mg / 2, target_mg) * binding
    )
    moved = weighted_mg / 2 * dose_factor(supplement_mg / 2, target_mg)
    before = (food_mg + weighted_mg) * dose_factor(food_mg + supplement_mg, target_mg) * binding
    return (kept + moved - before) * calcium


def _percent(value: float) -> str:
    """A small share as the waterfall would show it: "0.3 %" (not "0 %" beside a loss of
    3 mg), "less than 0.1 %", "12 %"."""
    tenths = round(value, 1)
    if tenths < 0.1:
        return "less than 0.1 %"
    return f"{tenths:.1f} %" if tenths < 10 else f"{value:.0f} %"


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def _warnings(
    person: Person,
    target: Target,
    occasions: list[OccasionScore],
    supplement_total_mg: float,
    calcium_mg: float,
    calcium: float,
) -> tuple[Warning, ...]:
    warnings: list[Warning] = []
    if supplement_total_mg > target.supplement_ul_mg:
        warnings.append(
            Warning(
                "supplement_above_ul",
                f"Your supplements add up to {_fmt(supplement_total_mg)} mg of magnesium, "
                "above the upper limit for supplemental magnesium at your age "
                f"({_fmt(target.supplement_ul_mg)} mg a day, which counts supplements and "
                "medicines, not food). Diarrhoea is the usual first sign of too much.",
            )
        )
    heavy = [o for o in occasions if o.supplement_elemental_mg > SPLIT_DOSE_THRESHOLD_MG]
    if heavy:
        # With CKD stage 3 or above the advice is the renal team's agreement (ckd_supplement,
        # below), not absorbing more: the dose is named, no split proposed.
        renal = person.ckd_stage >= 3
        parts = []
        for occasion in heavy:
            where = (
                occasion.name
                if occasion.is_meal
                else f"The {occasion.name.removeprefix('supplement:')} dose"
            )
            part = (
                f"{where} carries {_fmt(occasion.supplement_elemental_mg)} mg of supplemental "
                "magnesium at once"
            )
            if not renal:
                gain = split_gain_mg(occasion, target.target_mg)
                # split_gain_mg moves half away from any meal (phytate and oxalate stay with
                # the food): "at another meal" would promise a gain another meal's food and
                # binders would change.
                part += (
                    f"; taking half of it on its own, at another time of day, would add about "
                    f"{_fmt(gain)} mg effective"
                )
            parts.append(part)
        advice = (
            "How much to take, and when, is for your renal team to decide."
            if renal
            else "The gut absorbs a smaller share of a large single dose, so take it in two "
            "parts at different times of day."
        )
        warnings.append(Warning("split_dose", ". ".join(parts) + ". " + advice))
    if person.ckd_stage >= 3 and supplement_total_mg > 0.0:
        warnings.append(
            Warning(
                "ckd_supplement",
                "With chronic kidney disease (stage 3 or above) magnesium is cleared by the "
                "kidneys and can build up: take magnesium supplements only with your renal "
                "team's agreement.",
            )
        )
    medications = person.medications
    if "digoxin" in medications:
        warnings.append(
            Warning(
                "digoxin",
                "Magnesium and digoxin interact (low magnesium raises the risk of digoxin "
                "toxicity): changes to magnesium intake need your clinician's guidance.",
            )
        )
    if "ppi" in medications:
        warnings.append(
            Warning(
                "ppi",
                "Long-term use of a proton-pump inhibitor can cause low magnesium (FDA drug "
                "safety communication, 2011). The model cannot put a number on it: ask your "
                "doctor about a blood magnesium test.",
            )
        )
    if "loop_diuretic" in medications or "thiazide_diuretic" in medications:
        warnings.append(
            Warning(
                "diuretic",
                "Loop and thiazide diuretics raise the magnesium lost in urine, so reaching your "
                "target intake matters more.",
            )
        )
    if calcium_mg > CALCIUM_FREE_MG:
        warnings.append(
            Warning(
                "calcium_high",
                f"This day carries {_fmt(calcium_mg)} mg of calcium, above "
                f"{_fmt(CALCIUM_FREE_MG)} mg: very high calcium competes with magnesium for "
                f"absorption (here it costs {_percent(100 * (1 - calcium))} of each meal's "
                "magnesium).",
            )
        )
    return tuple(warnings)


def waterfall(score: DayScore) -> list[WaterfallStep]:
    """On the plate -> phytate -> oxalate -> calcium -> form -> dose -> effective."""
    running = score.total_mg
    steps = [WaterfallStep("plate", "On the plate", 0.0, running, running)]
    for key in WATERFALL_ORDER:
        loss = getattr(score.losses_mg, key)
        steps.append(WaterfallStep(key, FACTOR_LABELS[key], -loss, running, running - loss))
        running -= loss
    steps.append(
        WaterfallStep("effective", "Effective", 0.0, score.effective_mg, score.effective_mg)
    )
    return steps


def _mg(value: float) -> float:
    return round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def _factor(value: float) -> float:
    return round(value, 4)


def score_to_json(score: DayScore) -> dict:
    """The `manage.py score_day` output (scoring-model.md section 7).

    mg to 1 decimal, factors to 4; an occasion with no magnesium has no factors (they are
    undefined for nothing), as in worked example 06.
    """
    occasions = []
    for occasion in score.occasions:
        entry: dict = {
            "name": occasion.name,
            "magnesium_mg": _mg(occasion.magnesium_mg),
            "effective_mg": _mg(occasion.effective_mg),
        }
        if occasion.magnesium_mg > 0.0:
            entry["factors"] = {key: _factor(occasion.factors[key]) for key in FACTORS}
        occasions.append(entry)
    return {
        "target_mg": _mg(score.target_mg),
        "ear_mg": _mg(score.ear_mg),
        "target_source": score.target_source,
        "food_mg": _mg(score.food_mg),
        "supplement_elemental_mg": _mg(score.supplement_elemental_mg),
        "total_mg": _mg(score.total_mg),
        "estimated_absorbed_mg": _mg(score.estimated_absorbed_mg),
        "effective_mg": _mg(score.effective_mg),
        "percent_of_target": round(score.percent_of_target, 1) + 0.0,
        "status": score.status,
        "losses_mg": {key: _mg(getattr(score.losses_mg, key)) for key in FACTORS},
        "occasions": occasions,
        "warnings": list(score.warning_codes),
    }
