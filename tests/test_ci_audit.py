"""`.ci/audit` decides what a pip-audit run means for `make test`."""

import subprocess
from pathlib import Path

import pytest

AUDIT = Path(__file__).resolve().parent.parent / ".ci" / "audit"


def audit(output: str, status: int, **env: str) -> int:
    fake_pip_audit = ["bash", "-c", f"printf '%s\\n' '{output}'; exit {status}"]
    return subprocess.run(  # noqa: S603 - our own script with fixed test inputs
        [str(AUDIT), *fake_pip_audit], env={"PATH": "/usr/bin:/bin", **env}, check=False
    ).returncode


@pytest.mark.parametrize(
    ("output", "status", "env", "expected"),
    [
        ("No known vulnerabilities found", 0, {}, 0),
        ("Found 2 known vulnerabilities in 1 package", 1, {}, 1),
        ("Dependency not found on PyPI and could not be audited: argon2-cffi", 1, {}, 0),
        (
            "Dependency not found on PyPI and could not be audited: argon2-cffi",
            1,
            {"AUDIT_REQUIRED": "1"},
            1,
        ),
        ("usage: pip-audit: unrecognised argument", 2, {}, 2),
    ],
)
def test_vulnerabilities_fail_and_an_unreachable_service_is_reported(output, status, env, expected):
    assert audit(output, status, **env) == expected
