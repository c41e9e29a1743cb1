"""The split_dose warning's words say what its number was computed for (plans/scoring.py)."""

from plans import scoring
from plans.scoring import Day, Item, Meal, Supplement
from plans.targets import Person


def test_the_split_dose_gain_is_said_for_half_taken_on_its_own():
    beans = Item("beans", 172, magnesium_mg_per_100g=70, phytate_mg_per_100g=512)
    day = Day(
        person=Person(sex="female", age_years=40),
        meals=(Meal("Breakfast", (beans,)),),
        supplements=(Supplement("citrate", 400.0, with_meal="Breakfast"),),
    )
    score = scoring.score_day(day)
    warning = next(w for w in score.warnings if w.code == "split_dose")
    breakfast = next(o for o in score.occasions if o.name == "Breakfast")
    # split_gain_mg takes half away from any meal, so the message cannot say "another meal".
    gain = scoring.split_gain_mg(breakfast, score.target_mg)
    assert (
        f"taking half of it on its own, at another time of day, would add about {gain:,.0f} mg"
        in warning.message
    )
    assert "meal" not in warning.message.replace("Breakfast", "")
