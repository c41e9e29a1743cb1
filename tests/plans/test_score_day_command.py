"""`manage.py score_day`: the worked examples, food codes from the database, and error exits."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import FoodFactory

EXAMPLES = Path(__file__).parent / "scoring_examples"
REPO = Path(__file__).resolve().parents[2]
EXAMPLE_NAMES = sorted(path.name.removesuffix(".day.json") for path in EXAMPLES.glob("*.day.json"))


def stdin_of(data: str | bytes) -> io.TextIOWrapper:
    """A stdin like the real one under a C locale (UTF-8 mode): text over bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="surrogateescape")


def run(argument: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = stdin_of(stdin)
    try:
        call_command("score_day", argument, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def close(actual: float, expected: float) -> bool:
    """Within 1 mg or 0.5 % (the specification's agreement)."""
    return abs(actual - expected) <= max(1.0, 0.005 * abs(expected))


def test_there_are_six_worked_examples():
    assert len(EXAMPLE_NAMES) == 6


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_worked_example(name):
    code, out, err = run(str(EXAMPLES / f"{name}.day.json"))
    assert (code, err) == (0, "")
    actual = json.loads(out)
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    assert actual["status"] == expected["status"]
    assert actual["warnings"] == expected["warnings"]
    assert actual["target_source"] == expected["target_source"]
    for key in (
        "target_mg",
        "ear_mg",
        "food_mg",
        "supplement_elemental_mg",
        "total_mg",
        "estimated_absorbed_mg",
        "effective_mg",
        "percent_of_target",
    ):
        assert close(actual[key], expected[key]), (key, actual[key], expected[key])
    for key, value in expected["losses_mg"].items():
        assert close(actual["losses_mg"][key], value), (key, actual["losses_mg"][key], value)
    assert [o["name"] for o in actual["occasions"]] == [o["name"] for o in expected["occasions"]]
    for got, want in zip(actual["occasions"], expected["occasions"], strict=True):
        assert close(got["magnesium_mg"], want["magnesium_mg"])
        assert close(got["effective_mg"], want["effective_mg"])
        assert set(got.get("factors", {})) == set(want.get("factors", {}))
        for factor, value in want.get("factors", {}).items():
            assert got["factors"][factor] == pytest.approx(value, abs=0.005)


def test_reads_stdin_with_a_dash():
    day = (EXAMPLES / "01_reference_day.day.json").read_text()
    code, out, _ = run("-", stdin=day)
    assert code == 0
    assert json.loads(out)["percent_of_target"] == 100.0


@pytest.mark.django_db
def test_food_codes_come_from_the_database():
    FoodFactory(
        code="12014", magnesium_mg_per_100g=592, phytate_mg_per_100g=0, calcium_mg_per_100g=0
    )
    day = {
        "profile": {"sex": "female", "age_years": 34},
        "occasions": [{"name": "Snack", "items": [{"food": "12014", "grams": 10}]}],
    }
    code, out, _ = run("-", stdin=json.dumps(day))
    assert code == 0
    assert json.loads(out)["food_mg"] == 59.2


@pytest.mark.django_db
def test_unknown_food_code_exits_2_with_one_line():
    day = {
        "profile": {"sex": "female", "age_years": 34},
        "occasions": [{"name": "Snack", "items": [{"food": "99999", "grams": 10}]}],
    }
    code, out, err = run("-", stdin=json.dumps(day))
    assert (code, out) == (2, "")
    assert err == "score_day: occasions[0].items[0].food: unknown food code '99999'\n"


PROFILE = {"sex": "female", "age_years": 34}
MEAL = {"name": "Lunch", "items": [{"name": "x", "grams": 100, "magnesium_mg_per_100g": 50}]}


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"profile": ', "invalid JSON: Expecting value at line 1 column 13"),
        ('{"profile": NaN}', "invalid JSON: NaN is not a JSON number"),
        ("[1, 2]", "the day must be a JSON object"),
        (json.dumps({"profile": {"sex": "female"}}), "'age_years' is required"),
        (json.dumps({"profile": {**PROFILE, "age_years": 0}}), "must be at least 1"),
        (
            json.dumps(
                {"profile": PROFILE, "supplements": [{"form": "carbonate", "elemental_mg": 1}]}
            ),
            "unknown supplement form 'carbonate'",
        ),
        (
            json.dumps(
                {
                    "profile": PROFILE,
                    "occasions": [
                        {
                            "name": "L",
                            "items": [
                                {"grams": 1, "magnesium_mg_per_100g": 1, "preparation": "fried"}
                            ],
                        }
                    ],
                }
            ),
            "unknown preparation 'fried'",
        ),
        (
            json.dumps(
                {
                    "profile": PROFILE,
                    "occasions": [{"name": "L", "items": [{"magnesium_mg_per_100g": 1}]}],
                }
            ),
            "'grams' is required",
        ),
        (
            json.dumps(
                {
                    "profile": PROFILE,
                    "occasions": [
                        {"name": "L", "items": [{"grams": -1, "magnesium_mg_per_100g": 1}]}
                    ],
                }
            ),
            "must be a number of 0 or more, not -1",
        ),
        (
            json.dumps(
                {
                    "profile": PROFILE,
                    "occasions": [MEAL],
                    "supplements": [{"form": "citrate", "elemental_mg": 100, "with": "Dinner"}],
                }
            ),
            "supplements[0].with: names no occasion: 'Dinner'",
        ),
        (json.dumps({"profile": PROFILE, "occasions": "Lunch"}), "occasions: must be a list"),
        # Found by QA: each of these raised or was scored wrongly.
        (
            '{"profile": {"sex": "female", "age_years": 34}, "occasions": [{"name": "L", '
            '"items": [{"grams": 1' + "0" * 400 + ', "magnesium_mg_per_100g": 1}]}]}',
            "occasions[0].items[0].grams: must be a finite number",
        ),
        (
            '{"profile": {"sex": "female", "age_years": 34, "medications": '
            + "[" * 100_000
            + "]" * 100_000
            + "}}",
            "invalid JSON: nested too deeply",
        ),
        (
            '{"profile": {"sex": "female", "age_years": 34}, '
            '"occasions": [{"name": "\\ud800", "items": []}]}',
            "occasions[0].name: has a lone surrogate (\\ud800)",
        ),
        (json.dumps({"profile": PROFILE, "occasions": {}}), "occasions: must be a list"),
        (json.dumps({"profile": PROFILE, "supplements": ""}), "supplements: must be a list"),
        (
            json.dumps({"profile": PROFILE, "occasions": [{"name": "L", "items": False}]}),
            "occasions[0].items: must be a list, not false",
        ),
        (
            json.dumps({"profile": {**PROFILE, "medications": 0}}),
            "profile.medications: must be a list, not 0",
        ),
        (b'{"profile": {"sex": "female", "age_years": 34}, "x": "\xff"}', "cannot read stdin"),
        (
            json.dumps(
                {
                    "profile": PROFILE,
                    "supplements": [{"form": "oxide", "elemental_mg": 100, "bioavailability": 1.0}],
                }
            ),
            "supplements[0].bioavailability: only form 'other'",
        ),
        (
            json.dumps({"profile": {"sex": "male", "age_years": 30, "lactating": True}}),
            "profile.lactating: applies only when sex is 'female'",
        ),
        (
            json.dumps({"profile": {**PROFILE, "kcal_goal": 2000}}),
            "profile: unknown field 'kcal_goal'",
        ),
    ],
)
def test_invalid_input_exits_2_with_one_stderr_line(stdin, message):
    code, out, err = run("-", stdin=stdin)
    assert code == 2
    assert out == ""
    assert err.startswith("score_day: ")
    assert message in err
    assert err.count("\n") == 1


def test_missing_file_exits_2(tmp_path):
    code, _, err = run(str(tmp_path / "nope.json"))
    assert code == 2
    assert err.startswith("score_day: cannot read ")


def test_real_process_prints_json_and_exit_codes():
    ok = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and manage.py
        [
            sys.executable,
            "manage.py",
            "score_day",
            str(EXAMPLES / "05_supplements_label_trap.day.json"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["effective_mg"] == 307.2
    bad = subprocess.run(
        [sys.executable, "manage.py", "score_day", "-"],
        cwd=REPO,
        input='{"profile": {"sex": "female", "age_years": 34}, "occasions": [{"name": 5}]}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr == "score_day: occasions[0].name: must be a string, not 5\n"


def test_non_utf8_stdin_is_refused_like_a_non_utf8_file(tmp_path):
    data = b'{"profile": {"sex": "female", "age_years": 34}, "occasions": [{"name": "'
    data += b'\xe9t\xe9", "items": []}]}'  # Latin-1 "été"
    path = tmp_path / "day.json"
    path.write_bytes(data)
    from_file = run(str(path))
    from_stdin = run("-", stdin=data)
    assert from_file == (2, "", f"score_day: cannot read {path}: not UTF-8 text\n")
    assert from_stdin == (2, "", "score_day: cannot read stdin: not UTF-8 text\n")


def test_the_specs_l_threonate_scores_exactly_as_threonate():
    def output(form: str) -> str:
        day = {"profile": PROFILE, "supplements": [{"form": form, "compound_mg": 1000}]}
        code, out, err = run("-", stdin=json.dumps(day))
        assert (code, err) == (0, "")
        return out

    threonate = output("threonate")
    assert json.loads(threonate)["occasions"][0]["name"] == "supplement:threonate"
    assert output("L-threonate") == threonate
    assert output("l-Threonate") == threonate


@pytest.mark.parametrize(
    "stdin",
    [
        '{"profile": {"sex": "female", "age_years": 34}, '
        '"occasions": [{"name": "\\ud800", "items": []}]}',
        b'{"profile": {"sex": "female", "age_years": 34}, '
        b'"occasions": [{"name": "\xff", "items": []}]}',
        '{"profile": {"sex": "female", "age_years": 34, "target_mg": 1' + "0" * 400 + "}}",
        '{"profile": {"sex": "female", "age_years": 34, "medications": ' + "[" * 100_000 + "}",
    ],
    ids=["lone surrogate", "not UTF-8", "too large for a float", "nested too deeply"],
)
def test_real_process_refuses_what_once_raised_or_wrote_bad_bytes(stdin):
    done = subprocess.run(
        [sys.executable, "manage.py", "score_day", "-"],
        cwd=REPO,
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.startswith(b"score_day: ")
    assert done.stderr.count(b"\n") == 1
