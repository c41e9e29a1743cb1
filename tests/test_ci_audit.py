"""`.ci/audit` decides what a pip-audit run means for `make test`; when pip-audit's service
cannot be reached, `.ci/audit_fallback.py` checks PyPI's project JSON API instead."""

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parent.parent / ".ci"
AUDIT = CI / "audit"
FALLBACK = CI / "audit_fallback.py"
UNREACHABLE = "Dependency not found on PyPI and could not be audited: argon2-cffi"


def audit(output: str, status: int, *args: str, **env: str) -> subprocess.CompletedProcess:
    fake_pip_audit = ["bash", "-c", f"printf '%s\\n' '{output}'; exit {status}", "pip-audit", *args]
    return subprocess.run(  # noqa: S603 - our own script with fixed test inputs
        [str(AUDIT), *fake_pip_audit],
        env={"PATH": "/usr/bin:/bin", "AUDIT_PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("output", "status", "env", "expected"),
    [
        ("No known vulnerabilities found", 0, {}, 0),
        ("Found 2 known vulnerabilities in 1 package", 1, {}, 1),
        (UNREACHABLE, 1, {}, 0),
        (UNREACHABLE, 1, {"AUDIT_REQUIRED": "1"}, 1),
        ("usage: pip-audit: unrecognised argument", 2, {}, 2),
    ],
)
def test_vulnerabilities_fail_and_an_unreachable_service_is_reported(output, status, env, expected):
    result = audit(output, status, **env)
    assert result.returncode == expected
    assert ("NOT AUDITED" in result.stderr) == (output == UNREACHABLE)


def project(version: str, *vulnerabilities: dict) -> dict:
    return {"info": {"name": "x", "version": version}, "vulnerabilities": list(vulnerabilities)}


def vulnerability(vid: str, *, withdrawn: str | None = None) -> dict:
    return {
        "id": vid,
        "aliases": ["CVE-2026-0001"],
        "fixed_in": ["2.0.1"],
        "link": f"https://osv.dev/vulnerability/{vid}",
        "source": "osv",
        "summary": "s",
        "details": "d",
        "withdrawn": withdrawn,
    }


@pytest.fixture
def pypi():
    """A stand-in for https://pypi.org/pypi serving canned project JSON: fill `projects`
    with {normalized name: JSON}; any other path is a 404, as on PyPI."""
    projects: dict[str, dict] = {}
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            name = self.path.removeprefix("/pypi/").removesuffix("/json")
            if name not in projects:
                self.send_error(404)
                return
            body = json.dumps(projects[name]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.projects = projects
    server.requested = requested
    server.url = f"http://127.0.0.1:{server.server_address[1]}/pypi"
    yield server
    server.shutdown()
    server.server_close()


def fallback(tmp_path, requirements: str, base_url: str) -> subprocess.CompletedProcess:
    path = tmp_path / "audit-requirements.txt"
    path.write_text(requirements)
    return subprocess.run(  # noqa: S603 - our own script with fixed test inputs
        [sys.executable, str(FALLBACK), str(path)],
        env={"PATH": "/usr/bin:/bin", "AUDIT_PYPI_URL": base_url},
        capture_output=True,
        text=True,
        check=False,
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pypi"


def test_fallback_passes_distributions_at_their_latest_release_without_vulnerabilities(
    tmp_path, pypi
):
    pypi.projects["argon2-cffi"] = project("25.1.0")
    pypi.projects["django"] = project("5.2.19")
    result = fallback(tmp_path, "argon2-cffi==25.1.0\nDjango==5.2.19\n", pypi.url)
    assert result.returncode == 0, result.stdout
    assert "audited 2 of 2 via PyPI project API" in result.stdout
    assert "no known vulnerabilities" in result.stdout
    assert "not audited" not in result.stdout
    # PEP 503 names: Django is asked for as /pypi/django/json.
    assert sorted(pypi.requested) == ["/pypi/argon2-cffi/json", "/pypi/django/json"]


def test_fallback_fails_on_a_known_vulnerability_of_the_installed_latest_release(tmp_path, pypi):
    pypi.projects["argon2-cffi"] = project("25.1.0")
    pypi.projects["weasyprint"] = project("2.0.0", vulnerability("PYSEC-2026-42"))
    result = fallback(tmp_path, "argon2-cffi==25.1.0\nweasyprint==2.0.0\n", pypi.url)
    assert result.returncode == 1
    assert (
        "KNOWN VULNERABILITY weasyprint 2.0.0: PYSEC-2026-42 "
        "(aliases: CVE-2026-0001; fixed in: 2.0.1)" in result.stdout
    )
    assert "audited 2 of 2" in result.stdout
    assert "1 known vulnerabilities in 1 distributions" in result.stdout


def test_fallback_ignores_a_withdrawn_vulnerability(tmp_path, pypi):
    withdrawn = vulnerability("PYSEC-2026-7", withdrawn="2026-06-28T16:39:06Z")
    pypi.projects["weasyprint"] = project("2.0.0", withdrawn)
    result = fallback(tmp_path, "weasyprint==2.0.0\n", pypi.url)
    assert result.returncode == 0, result.stdout
    assert "PYSEC-2026-7" not in result.stdout
    assert "audited 1 of 1" in result.stdout


def test_fallback_lists_what_it_cannot_judge_and_never_passes_it(tmp_path, pypi):
    # The project endpoint's vulnerabilities belong to the latest release, so an older
    # installed release is not judged by them, even when that list is empty or not.
    pypi.projects["django"] = project("6.1.3", vulnerability("PYSEC-2026-1"))
    pypi.projects["argon2-cffi"] = project("25.1.0")
    requirements = "Django==5.2.19\nargon2-cffi==25.1.0\nprivate-package==1.0\n"
    result = fallback(tmp_path, requirements, pypi.url)
    assert result.returncode == 3
    assert "audited 1 of 3" in result.stdout
    assert "no known vulnerabilities" in result.stdout
    assert "Django (installed 5.2.19, latest 6.1.3)" in result.stdout
    assert "private-package (PyPI answered HTTP 404)" in result.stdout
    assert "PYSEC-2026-1" not in result.stdout


def test_fallback_that_cannot_reach_pypi_either_says_not_audited(tmp_path):
    result = fallback(tmp_path, "argon2-cffi==25.1.0\n", closed_port_url())
    assert result.returncode == 3
    assert "NOT AUDITED" in result.stdout
    assert "cannot be reached either" in result.stdout


@pytest.mark.parametrize(
    ("installed", "env", "expected", "says"),
    [
        ("25.1.0", {}, 0, "audited 1 of 1"),
        ("25.0.0", {}, 0, "installed 25.0.0, latest 25.1.0"),
        ("25.0.0", {"AUDIT_REQUIRED": "1"}, 1, "installed 25.0.0, latest 25.1.0"),
    ],
)
def test_audit_runs_the_fallback_on_the_requirements_when_the_service_is_unreachable(
    tmp_path, pypi, installed, env, expected, says
):
    pypi.projects["argon2-cffi"] = project("25.1.0")
    requirements = tmp_path / "audit-requirements.txt"
    requirements.write_text(f"argon2-cffi=={installed}\n")
    result = audit(UNREACHABLE, 1, "-r", str(requirements), AUDIT_PYPI_URL=pypi.url, **env)
    assert result.returncode == expected, result.stdout + result.stderr
    assert says in result.stdout
    assert ("NOT AUDITED" in result.stderr) == (installed != "25.1.0")


def test_audit_fails_on_a_vulnerability_the_fallback_finds(tmp_path, pypi):
    pypi.projects["argon2-cffi"] = project("25.1.0", vulnerability("GHSA-xxxx-yyyy-zzzz"))
    requirements = tmp_path / "audit-requirements.txt"
    requirements.write_text("argon2-cffi==25.1.0\n")
    result = audit(UNREACHABLE, 1, "-r", str(requirements), AUDIT_PYPI_URL=pypi.url)
    assert result.returncode == 1
    assert "GHSA-xxxx-yyyy-zzzz" in result.stdout


@pytest.mark.parametrize(("env", "expected"), [({}, 0), ({"AUDIT_REQUIRED": "1"}, 1)])
def test_audit_whose_fallback_cannot_reach_pypi_is_not_audited(tmp_path, env, expected):
    requirements = tmp_path / "audit-requirements.txt"
    requirements.write_text("argon2-cffi==25.1.0\n")
    result = audit(UNREACHABLE, 1, "-r", str(requirements), AUDIT_PYPI_URL=closed_port_url(), **env)
    assert result.returncode == expected
    assert "NOT AUDITED" in result.stdout
    assert "NOT AUDITED" in result.stderr


def test_a_reachable_service_is_not_second_guessed_by_the_fallback(tmp_path, pypi):
    requirements = tmp_path / "audit-requirements.txt"
    requirements.write_text("argon2-cffi==25.1.0\n")
    result = audit("No known vulnerabilities found", 0, "-r", str(requirements))
    assert result.returncode == 0
    assert "audit fallback" not in result.stdout
    result = audit("Found 1 known vulnerability in 1 package", 1, "-r", str(requirements))
    assert result.returncode == 1
    assert "audit fallback" not in result.stdout
    assert pypi.requested == []
