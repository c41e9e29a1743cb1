"""Second, narrower vulnerability check for when pip-audit cannot reach its service.

Usage: audit_fallback.py REQUIREMENTS (name==version lines, as `pip freeze` writes them).

Where it looks: PyPI's project JSON API, GET <base>/<project>/json (base: $AUDIT_PYPI_URL,
default https://pypi.org/pypi). PyPI's "JSON API" page (https://docs.pypi.org/api/json/,
source docs/user/api/json.md in pypi/warehouse) says: "On this endpoint, the
`vulnerabilities` array provides a listing for any known vulnerabilities in the most recent
release"; its "Known vulnerabilities" section (docs/dev/api-reference/json.rst) adds that a
non-null `withdrawn` timestamp marks a report its source later retracted.
So this endpoint can judge a distribution only when the installed version IS the latest
release (``info.version``); every other one is listed as not audited, never passed.

Exit status: 1 when a known (not withdrawn) vulnerability is found; 3 when nothing was
found but something could not be audited (not the latest release, not on PyPI, or the
API unreachable); 0 when every distribution was audited clean. .ci/audit decides what 3
means (AUDIT_REQUIRED). Standard library only, so it runs without the project's venv.
"""

import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

DEFAULT_BASE_URL = "https://pypi.org/pypi"
TIMEOUT_SECONDS = 5
WORKERS = 8
EXIT_CLEAN, EXIT_VULNERABLE, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


@dataclass
class Verdict:
    name: str
    version: str
    audited: bool = False
    not_audited_because: str = ""
    unreachable: bool = False
    vulnerabilities: list[dict] = field(default_factory=list)


def read_requirements(path: str) -> list[tuple[str, str]]:
    """(name, version) for each `name==version` line; other requirement lines keep an empty
    version so they are reported as not audited instead of silently skipped."""
    pins = []
    with open(path, encoding="utf-8") as requirements:
        for raw in requirements:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, version = line.partition("==")
            pins.append((name.strip(), version.strip()) if sep else (line, ""))
    return pins


def project_url(base_url: str, name: str) -> str:
    normalized = re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 project name
    return f"{base_url.rstrip('/')}/{urllib.parse.quote(normalized)}/json"


def fetch_json(url: str) -> dict:
    # S310: the URL is our http(s) base URL (default or $AUDIT_PYPI_URL) plus a project name.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return json.load(response)


def judge(base_url: str, name: str, version: str) -> Verdict:
    verdict = Verdict(name, version)
    if not version:
        verdict.not_audited_because = "not pinned as name==version"
        return verdict
    try:
        project = fetch_json(project_url(base_url, name))
    except urllib.error.HTTPError as error:
        verdict.not_audited_because = f"PyPI answered HTTP {error.code}"
        return verdict
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        verdict.unreachable = True
        verdict.not_audited_because = f"unreachable: {getattr(error, 'reason', error)}"
        return verdict
    except ValueError:
        verdict.not_audited_because = "PyPI answered something that is not JSON"
        return verdict
    latest = str((project.get("info") or {}).get("version") or "")
    if latest.lower() != version.lower():
        verdict.not_audited_because = f"installed {version}, latest {latest or 'unknown'}"
        return verdict
    vulnerabilities = project.get("vulnerabilities")
    if not isinstance(vulnerabilities, list):
        verdict.not_audited_because = "PyPI gave no vulnerabilities list"
        return verdict
    verdict.audited = True
    verdict.vulnerabilities = [v for v in vulnerabilities if not v.get("withdrawn")]
    return verdict


def describe(vulnerability: dict) -> str:
    aliases = ", ".join(vulnerability.get("aliases") or []) or "none"
    fixed_in = ", ".join(vulnerability.get("fixed_in") or []) or "no fixed release yet"
    return f"{vulnerability.get('id', '?')} (aliases: {aliases}; fixed in: {fixed_in})"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: audit_fallback.py REQUIREMENTS", file=sys.stderr)
        return EXIT_USAGE
    base_url = os.environ.get("AUDIT_PYPI_URL") or DEFAULT_BASE_URL
    pins = read_requirements(argv[1])
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        verdicts = list(pool.map(lambda pin: judge(base_url, *pin), pins))

    audited = [v for v in verdicts if v.audited]
    vulnerable = [v for v in audited if v.vulnerabilities]
    not_audited = [v for v in verdicts if not v.audited]
    source = f"PyPI project API ({base_url})"

    for verdict in vulnerable:
        for vulnerability in verdict.vulnerabilities:
            print(
                f"KNOWN VULNERABILITY {verdict.name} {verdict.version}: {describe(vulnerability)}"
            )
    if verdicts and all(v.unreachable for v in verdicts):
        reason = verdicts[0].not_audited_because
        print(f"audit fallback: NOT AUDITED - {source} cannot be reached either ({reason}).")
        return EXIT_INCOMPLETE
    found = sum(len(v.vulnerabilities) for v in vulnerable)
    result = (
        f"{found} known vulnerabilities in {len(vulnerable)} distributions"
        if vulnerable
        else "no known vulnerabilities"
    )
    print(f"audit fallback: audited {len(audited)} of {len(verdicts)} via {source}: {result}")
    if not_audited:
        listed = "; ".join(f"{v.name} ({v.not_audited_because})" for v in not_audited)
        print(f"audit fallback: not audited: {listed}")
    if vulnerable:
        return EXIT_VULNERABLE
    return EXIT_INCOMPLETE if not_audited else EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main(sys.argv))
