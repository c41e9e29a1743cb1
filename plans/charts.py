"""The /model/ page's data: SVG charts of the model's curves with text alternatives (pure).

Every curve is sampled from the engine's own functions and constants, so the charts cannot
drift from what is scored. The SVG uses classes from app.css (no inline styles: the CSP).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from plans.scoring import (
    CALCIUM_FLOOR,
    CALCIUM_FREE_MG,
    CALCIUM_LOSS_PER_1000_MG,
    DOSE_HALF_SATURATION_MG,
    DOSE_LINEAR_FRACTION,
    DOSE_REFERENCE_MEALS,
    DOSE_SATURABLE_MAX_MG,
    OXALATE_POINTS,
    OXALIC_ACID_G_PER_MOL,
    PHYTATE_POINTS,
    PHYTIC_ACID_G_PER_MOL,
    PREPARATION_PHYTATE_FACTOR,
    SPLIT_DOSE_THRESHOLD_MG,
    WARNING_RULES,
    absorbed_fraction,
    calcium_factor,
    dose_factor,
    oxalate_factor,
    phytate_factor,
)
from plans.supplements import FORMS, describe_amount
from plans.targets import (
    CUSTOM_EAR_DIVISOR,
    LACTATION_BANDS,
    PREGNANCY_BANDS,
    RDA_BANDS,
    SUPPLEMENT_UL_BANDS,
)

WIDTH, HEIGHT = 480, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 48
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    points: tuple[tuple[float, float], ...]
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its SVG, and the same figures as a table for people who cannot see it."""

    id: str
    title: str
    desc: str
    svg: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _line_svg(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    x_max: float,
    y_max: float,
    x_ticks: Sequence[float],
    y_ticks: Sequence[float],
    series: Sequence[Series],
    markers: Sequence[Marker] = (),
    x_digits: int = 0,
    guide_x: float | None = None,
    guide_label: str = "",
) -> str:
    def sx(x: float) -> float:
        return LEFT + PLOT_W * x / x_max

    def sy(y: float) -> float:
        return TOP + PLOT_H * (1 - y / y_max)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" '
        f'y2="{TOP + PLOT_H}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}"/>',
    ]
    for tick in x_ticks:
        x = sx(tick)
        parts.append(
            f'<line class="axis" x1="{x:.1f}" y1="{TOP + PLOT_H}" x2="{x:.1f}" '
            f'y2="{TOP + PLOT_H + 4}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle">'
            f"{_fmt(tick, x_digits)}</text>"
        )
    for tick in y_ticks:
        y = sy(tick)
        parts.append(f'<line class="axis" x1="{LEFT - 4}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{LEFT - 7}" y="{y + 4:.1f}" text-anchor="end">{tick:.1f}</text>')
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    parts.append(
        f'<text x="14" y="{TOP + PLOT_H / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + PLOT_H / 2:.1f})">{escape(y_label)}</text>'
    )
    if guide_x is not None:
        x = sx(guide_x)
        parts.append(
            f'<line class="axis" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + PLOT_H}" '
            'stroke-dasharray="2 3"/>'
        )
        parts.append(f'<text x="{x + 4:.1f}" y="{TOP + 10}">{escape(guide_label)}</text>')
    for index, line in enumerate(series):
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in line.points)
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        parts.append(f'<polyline class="curve" points="{path}"{dash}/>')
        # Legend above the plot: a short stroke sample and the label, one per series.
        lx = LEFT + 8 + index * 200
        parts.append(f'<line class="curve" x1="{lx}" y1="12" x2="{lx + 22}" y2="12"{dash}/>')
        parts.append(f'<text x="{lx + 28}" y="16">{escape(line.label)}</text>')
    for marker in markers:
        parts.append(
            f'<circle class="point" cx="{sx(marker.x):.1f}" cy="{sy(marker.y):.1f}" r="4">'
            f"<title>{escape(marker.label)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _sample(
    function: Callable[[float], float], xs: Sequence[float]
) -> tuple[tuple[float, float], ...]:
    return tuple((x, function(x)) for x in xs)


def _range(stop: float, steps: int, start: float = 0.0) -> list[float]:
    return [start + (stop - start) * i / steps for i in range(steps + 1)]


def dose_chart(target_mg: float = 320.0) -> Chart:
    reference_mg = target_mg / DOSE_REFERENCE_MEALS
    xs = _range(1000, 100, start=5)
    fraction = Series("share absorbed, A(M)/M", _sample(absorbed_fraction, xs))
    factor = Series(
        f"dose factor ({target_mg:.0f} mg target)",
        _sample(lambda m: dose_factor(m, target_mg), xs),
        dashed=True,
    )
    title = "Dose factor: bigger single loads are absorbed less well"
    desc = (
        # The same figures, and the same "62 %" style, as the /model/ page's text.
        f"The share absorbed falls from about {100 * absorbed_fraction(0.0):.0f} % for small "
        f"loads to {100 * absorbed_fraction(972):.0f} % at 972 mg. The dose factor is 1 up "
        f"to a third of the target ({reference_mg:.0f} mg for {target_mg:.0f} mg) and falls to "
        f"{dose_factor(400, target_mg):.2f} for a 400 mg single dose."
    )
    svg = _line_svg(
        chart_id="chart-dose",
        title=title,
        desc=desc,
        x_label="magnesium in one eating occasion (mg)",
        y_label="share / factor",
        x_max=1000,
        y_max=1.0,
        x_ticks=[0, 200, 400, 600, 800, 1000],
        y_ticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        series=[fraction, factor],
        markers=[
            Marker(972, 0.11, "Fine 1991: 11 % absorbed at 972 mg"),
            Marker(87.5, 0.325, "Bohn 2004: 32.5 % of 87.5 mg absorbed"),
        ],
        guide_x=reference_mg,
        guide_label=f"target / 3 = {reference_mg:.0f} mg",
    )
    rows = tuple(
        (_fmt(m, 0), f"{absorbed_fraction(m):.0%}", f"{dose_factor(m, target_mg):.2f}")
        for m in (25, 50, 100, reference_mg, 150, 200, 300, 400, 600, 972)
    )
    return Chart(
        "chart-dose",
        title,
        desc,
        svg,
        ("mg in the occasion", "share absorbed", f"dose factor ({target_mg:.0f} mg target)"),
        rows,
    )


def phytate_chart() -> Chart:
    x_max = 2.5
    xs = sorted({*_range(x_max, 50), *(x for x, _ in PHYTATE_POINTS)})
    curve = Series(
        "phytate factor", _sample(lambda p: phytate_factor(p * PHYTIC_ACID_G_PER_MOL), xs)
    )
    last_x, last_y = PHYTATE_POINTS[-1]
    title = "Phytate factor: phytic acid in a meal binds its magnesium"
    desc = (
        "Straight lines through Bohn 2004's measurements: "
        + ", ".join(f"{y:.3g} at {x:g} mmol" for x, y in PHYTATE_POINTS)
        + f"; held at {last_y:.2f} beyond {last_x:g} mmol, where there are no human data."
    )
    svg = _line_svg(
        chart_id="chart-phytate",
        title=title,
        desc=desc,
        x_label=f"phytic acid in the meal (mmol; 1 mmol = {PHYTIC_ACID_G_PER_MOL:.0f} mg)",
        y_label="factor",
        x_max=x_max,
        y_max=1.0,
        x_ticks=[0, 0.5, 1.0, 1.5, 2.0, 2.5],
        y_ticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        series=[curve],
        markers=[Marker(x, y, f"{x:g} mmol: factor {y:.3g}") for x, y in PHYTATE_POINTS[1:]],
        x_digits=1,
    )
    rows = tuple(
        (
            f"{p:g}",
            _fmt(p * PHYTIC_ACID_G_PER_MOL, 0),
            f"{phytate_factor(p * PHYTIC_ACID_G_PER_MOL):.3f}",
        )
        for p in (0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.49, 2.0)
    )
    return Chart(
        "chart-phytate", title, desc, svg, ("mmol phytic acid", "mg phytic acid", "factor"), rows
    )


def oxalate_chart() -> Chart:
    x_max = 10.0
    xs = sorted({*_range(x_max, 50), *(x for x, _ in OXALATE_POINTS)})
    curve = Series(
        "oxalate factor", _sample(lambda x: oxalate_factor(x * OXALIC_ACID_G_PER_MOL), xs)
    )
    last_x, last_y = OXALATE_POINTS[-1]
    title = "Oxalate factor: oxalic acid (spinach, chard) binds some magnesium"
    desc = (
        f"A straight line from 1.0 with no oxalic acid to {last_y:.2f} at {last_x:g} mmol "
        f"(Bohn 2004, spinach against kale), held at {last_y:.2f} beyond."
    )
    svg = _line_svg(
        chart_id="chart-oxalate",
        title=title,
        desc=desc,
        x_label=f"oxalic acid in the meal (mmol; 1 mmol = {OXALIC_ACID_G_PER_MOL:.0f} mg)",
        y_label="factor",
        x_max=x_max,
        y_max=1.0,
        x_ticks=[0, 2, 4, 6, 8, 10],
        y_ticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        series=[curve],
        markers=[Marker(x, y, f"{x:g} mmol: factor {y:.3g}") for x, y in OXALATE_POINTS[1:]],
    )
    rows = tuple(
        (
            f"{x:g}",
            _fmt(x * OXALIC_ACID_G_PER_MOL, 0),
            f"{oxalate_factor(x * OXALIC_ACID_G_PER_MOL):.3f}",
        )
        for x in (0, 1, 2, 4, 6.6, 8)
    )
    return Chart(
        "chart-oxalate", title, desc, svg, ("mmol oxalic acid", "mg oxalic acid", "factor"), rows
    )


def calcium_chart() -> Chart:
    x_max = 6000.0
    xs = sorted({*_range(x_max, 60), CALCIUM_FREE_MG})
    curve = Series("calcium factor (assumption)", _sample(calcium_factor, xs))
    title = "Calcium factor (an assumption): very high calcium competes for absorption"
    desc = (
        f"1.0 for up to {CALCIUM_FREE_MG:,.0f} mg of calcium a day; above that it falls by 0.10 "
        f"per extra 1,000 mg, to no less than {CALCIUM_FLOOR:.2f}. The slope and floor are a "
        "modelling assumption, not a measurement."
    )
    svg = _line_svg(
        chart_id="chart-calcium",
        title=title,
        desc=desc,
        x_label="calcium in the day, food and supplements (mg)",
        y_label="factor",
        x_max=x_max,
        y_max=1.0,
        x_ticks=[0, 1000, 2000, 3000, 4000, 5000, 6000],
        y_ticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        series=[curve],
        guide_x=CALCIUM_FREE_MG,
        guide_label=f"{CALCIUM_FREE_MG:,.0f} mg",
    )
    rows = tuple(
        (_fmt(c, 0), f"{calcium_factor(c):.2f}") for c in (1000, 2500, 3000, 3500, 4000, 4500, 5000)
    )
    return Chart("chart-calcium", title, desc, svg, ("mg calcium a day", "factor"), rows)


def form_chart() -> Chart:
    """Per 1,000 mg of salt: the elemental magnesium, and what the model counts of it."""
    forms = [form for form in FORMS.values() if form.molar_mass_g_per_mol is not None]
    bar_h, gap = 12, 10
    row_h = 2 * bar_h + gap
    label_w = 92
    height = TOP + row_h * len(forms) + 36
    plot_w = WIDTH - label_w - RIGHT - 40
    title = "Supplement forms: magnesium per 1,000 mg of salt, and what counts"
    desc = (
        "For each form, the elemental magnesium in 1,000 mg of the salt (from its formula) and "
        "that amount times the form's relative bioavailability. "
        + "; ".join(
            f"{form.key}: {1000 * form.elemental_fraction:.0f} mg, counts "
            f"{1000 * form.elemental_fraction * form.bioavailability:.0f}"
            for form in forms
        )
        + "."
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-labelledby="chart-forms-title chart-forms-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-forms-title">{escape(title)}</title>',
        f'<desc id="chart-forms-desc">{escape(desc)}</desc>',
        f'<rect class="bar" x="{label_w}" y="6" width="14" height="8"/>',
        f'<text x="{label_w + 20}" y="14">elemental mg</text>',
        f'<rect class="bar bar-counted" x="{label_w + 130}" y="6" width="14" height="8"/>',
        f'<text x="{label_w + 150}" y="14">mg counted (x bioavailability)</text>',
    ]
    scale = plot_w / 1000 / max(form.elemental_fraction for form in forms)
    for index, form in enumerate(forms):
        y = TOP + index * row_h
        elemental = 1000 * form.elemental_fraction
        counted = elemental * form.bioavailability
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h + 4}" text-anchor="end">{form.key}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y}" width="{elemental * scale:.1f}" '
            f'height="{bar_h}"/>'
        )
        parts.append(
            f'<text x="{label_w + elemental * scale + 4:.1f}" y="{y + bar_h - 1}">'
            f"{elemental:.0f}</text>"
        )
        parts.append(
            f'<rect class="bar bar-counted" x="{label_w}" y="{y + bar_h}" '
            f'width="{counted * scale:.1f}" height="{bar_h}"/>'
        )
        parts.append(
            f'<text x="{label_w + counted * scale + 4:.1f}" y="{y + 2 * bar_h - 1}">'
            f"{counted:.0f}</text>"
        )
    parts.append("</svg>")
    rows = tuple(
        (
            form.label,
            form.formula,
            f"{form.molar_mass_g_per_mol:.2f}",
            f"{100 * form.elemental_fraction:.1f} %",
            f"{form.bioavailability:.2f}",
            f"{1000 * form.elemental_fraction * form.bioavailability:.0f}",
        )
        for form in forms
    )
    return Chart(
        "chart-forms",
        title,
        desc,
        "".join(parts),
        (
            "form",
            "formula",
            "molar mass (g/mol)",
            "elemental Mg",
            "relative bioavailability",
            "mg counted per 1,000 mg salt",
        ),
        rows,
    )


def model_charts(target_mg: float = 320.0) -> dict[str, Chart]:
    return {
        "dose": dose_chart(target_mg),
        "phytate": phytate_chart(),
        "oxalate": oxalate_chart(),
        "calcium": calcium_chart(),
        "forms": form_chart(),
    }


def model_page_data(target_mg: float = 320.0) -> dict[str, object]:
    """Everything the /model/ page shows, straight from the engine's constants."""
    return {
        "charts": model_charts(target_mg),
        "example_target_mg": target_mg,
        "example_reference_mg": target_mg / DOSE_REFERENCE_MEALS,
        "dose": {
            "saturable_max_mg": DOSE_SATURABLE_MAX_MG,
            "half_saturation_mg": DOSE_HALF_SATURATION_MG,
            "linear_fraction": DOSE_LINEAR_FRACTION,
            "reference_meals": DOSE_REFERENCE_MEALS,
            "small_load_fraction": absorbed_fraction(0.0),
            "fine_fraction_972": absorbed_fraction(972),
            "bohn_fraction_87": absorbed_fraction(87.5),
            "factor_400_single": dose_factor(400, target_mg),
        },
        "phytate_points": PHYTATE_POINTS,
        "phytic_acid_g_per_mol": PHYTIC_ACID_G_PER_MOL,
        "oxalate_points": OXALATE_POINTS,
        "oxalic_acid_g_per_mol": OXALIC_ACID_G_PER_MOL,
        "calcium": {
            "free_mg": CALCIUM_FREE_MG,
            "loss_per_1000_mg": CALCIUM_LOSS_PER_1000_MG,
            "floor": CALCIUM_FLOOR,
        },
        "preparations": PREPARATION_PHYTATE_FACTOR,
        "forms": FORMS,
        "label_trap": (
            describe_amount("citrate", compound_mg=500),
            describe_amount("oxide", compound_mg=500),
        ),
        "rda_bands": RDA_BANDS,
        "pregnancy_bands": PREGNANCY_BANDS,
        "lactation_bands": LACTATION_BANDS,
        "ul_bands": SUPPLEMENT_UL_BANDS,
        "custom_ear_divisor": CUSTOM_EAR_DIVISOR,
        "warning_rules": WARNING_RULES,
        "split_dose_threshold_mg": SPLIT_DOSE_THRESHOLD_MG,
    }
