"""The public /model/ page: the model in plain words, its charts and tables from the engine."""

import itertools
import re

import pytest
from django.urls import reverse

from plans.scoring import CALCIUM_FREE_MG, PHYTATE_POINTS, PREPARATION_PHYTATE_FACTOR
from plans.supplements import FORMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    response = client.get(reverse("model"))
    assert response.status_code == 200
    return response.content.decode()


def test_model_page_is_public_and_has_one_chart_per_factor(page):
    charts = re.findall(r'<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', page)
    assert len(charts) == 5
    for labelled_by in charts:
        title_id, desc_id = labelled_by.split()
        assert f'<title id="{title_id}">' in page
        assert f'<desc id="{desc_id}">' in page
    # Each chart has its figures as a table too.
    assert page.count("as a table</summary>") == 5


def test_headings_are_in_order(page):
    levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(after - before <= 1 for before, after in itertools.pairwise(levels))


def test_key_numbers_come_from_the_engine(page):
    assert "RDA and EAR by age" in page
    assert '<td class="num">420</td>' in page  # men 31 and over
    assert "500 mg magnesium citrate = 81 mg elemental" in page
    assert "500 mg magnesium oxide = 302 mg elemental" in page
    assert f"{100 * FORMS['citrate'].elemental_fraction:.1f} %" in page
    assert f"{CALCIUM_FREE_MG:,.0f} mg" in page
    assert f"{PHYTATE_POINTS[-1][1]} at {PHYTATE_POINTS[-1][0]} mmol" in page
    for name, factor in PREPARATION_PHYTATE_FACTOR.items():
        assert f'<th scope="row">{name}</th><td class="num">{100 * factor:.0f} %</td>' in page
    assert "counts only 0.53 of its milligrams" in page


def test_assumptions_are_marked_and_the_seed_corrected(page):
    assert "<strong>Assumption:</strong> the slope and the floor" in page
    assert "Preparation factors" in page
    assert "not a “black box” warning" in page
    assert "about 50 mg, not 150 mg" in page
    assert "Vitamin D needs magnesium to be activated" in page
    assert "Bohn T, Davidsson L" in page


def test_the_dose_text_and_its_chart_give_the_same_share_for_small_loads(page):
    from plans.scoring import absorbed_fraction

    small = f"{100 * absorbed_fraction(0.0):.0f} %"
    assert f"about {small} of a small load" in " ".join(page.split())
    assert f"from about {small} for small loads" in page
