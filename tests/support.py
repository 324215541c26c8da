"""What tests of every kind share: the repository's paths, the CLI as a real subprocess, the demo
service's credentials, free loopback ports, an unproxied HTTP client, a valid trip record and the
smallest spec fixtures (a plain read URL, a resource file).

One copy, so that every test starts the CLI alike: the `apitest` next to these tests (the
repository first on PYTHONPATH, whatever the working directory and whatever is installed), none
of the caller's APITEST_* settings or colour forcing, bounded in time, and never a traceback
let through unnoticed. Helpers that know one suite's fixtures stay in that suite's folder
(tests/integration/_api.py: a client of the demo API).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.zspec.model import Location

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO / "specs"
"""The reference specs in ZEST's official forms: trips.xml, destinations.xml."""
DATA = REPO / "tests" / "data"
LOC = Location("t.xml", 1)
"""Where a model element a test builds by hand says it was declared."""
TRIP = {
    "trip_id": "1234567890",
    "trip_name": "Spring Break",
    "destination": "Bali",
    "start_time": "2025-03-01T09:00:00Z",
    "end_time": "2025-03-05T18:00:00+08:00",
    "no_of_days": 4,
    "trip_type": "leisure",
}
"""A trip as the reference API answers a read of it: every property of specs/trips.xml valid."""
CLI_TIMEOUT_S = 180.0
"""How long one CLI subprocess may take before the test fails: a bound on a hang, not a
measure (a healthy run takes seconds)."""

DEMO_ENV = {"APITEST_CLIENT_ID": DEMO_CLIENT_ID, "APITEST_CLIENT_SECRET": DEMO_CLIENT_SECRET}
"""The demo service's OAuth client, as a run reads it from the environment."""
COLOUR_VARIABLES = (
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
)
"""Variables that decide colour whatever the stream is: the caller's would decide for the test
(a test that wants one, NO_COLOR on a terminal say, passes it)."""
LOOPBACK = "127.0.0.1,localhost"


def read_url(path: str = "/items", name: str = "list") -> str:
    """The smallest valid `<url>` a spec fixture needs: one read of `path` answering 200 (two-space
    indented, ending in a newline)."""
    return (
        f'  <url path="{path}">\n'
        f'    <operation method="get" name="{name}" category="read">\n'
        '      <response status="200"/>\n'
        "    </operation>\n"
        "  </url>\n"
    )


def write_resource(folder: Path, name: str, body: str, url: str | None = None) -> Path:
    """`folder/<name>.xml`: resource `name` holding `body`, then `url` (a plain read by default)."""
    path = folder / f"{name}.xml"
    url = read_url() if url is None else url
    path.write_text(f'<resource name="{name}">\n{body}{url}</resource>\n', encoding="utf-8")
    return path


def throttled_specs(folder: Path, threshold: int, duration_ms: int, lock_ms: int) -> Path:
    """`folder/specs`: the reference specs with PUT trips' `<throttling>` set to these numbers,
    to match a service started with the same `throttle_*` knobs."""
    specs = folder / "specs"
    specs.mkdir()
    for name in ("trips.xml", "destinations.xml"):
        text = (SPECS / name).read_text(encoding="utf-8")
        text = text.replace(
            '<throttling threshold="100" duration="60000" lock-period="120000"/>',
            f'<throttling threshold="{threshold}" duration="{duration_ms}" '
            f'lock-period="{lock_ms}"/>',
        )
        (specs / name).write_text(text, encoding="utf-8")
    return specs


def undelayed_specs(folder: Path) -> Path:
    """`folder/specs`: the reference specs without their validation-delays, for runs against a
    service that shows each write at once (lag 0) where timing is not what a test asks: each
    write the API wrongly accepts is undone, the undo waits out that delay (500 ms), and a run
    of dozens of them took 20 to 40 s."""
    specs = folder / "specs"
    specs.mkdir()
    for spec in SPECS.glob("*.xml"):
        text = re.sub(r' validation-delay="[0-9]+"', "", spec.read_text(encoding="utf-8"))
        (specs / spec.name).write_text(text, encoding="utf-8")
    return specs


def cli_env(
    *, credentials: bool = True, pythonpath: Sequence[Path] = (), **extra: str
) -> dict[str, str]:
    """The environment of a CLI subprocess: the caller's, less its APITEST_* settings and
    colour variables (so a developer's shell cannot change a verdict, and output is what a
    pipe gets); loopback never proxied; the repository, then `pythonpath`, first on
    PYTHONPATH; the demo client's credentials unless `credentials` is False; then `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("APITEST_") and key not in COLOUR_VARIABLES
    }
    env.update(NO_PROXY=LOOPBACK, no_proxy=LOOPBACK)
    paths = [str(REPO), *map(str, pythonpath), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    if credentials:
        env.update(DEMO_ENV)
    env.update(extra)
    return env


def cli_command(*args: str, python: Sequence[str] = ()) -> list[str]:
    """`python [PYTHON OPTIONS] -m apitest.cli ARGS` with this interpreter."""
    return [sys.executable, *python, "-m", "apitest.cli", *args]


def run_cli(
    *args: str,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    timeout: float = CLI_TIMEOUT_S,
    python: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """`apitest ARGS` run to its end (in the repository unless `cwd` says otherwise, with
    `cli_env()` unless `env` is given). A traceback in its output fails the test: every error a
    user can cause must end as a message."""
    done = subprocess.run(
        cli_command(*args, python=python),
        cwd=cwd, env=cli_env() if env is None else env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


@contextmanager
def started_cli(
    *args: str,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    stderr: int = subprocess.PIPE,
) -> Iterator[subprocess.Popen[str]]:
    """`apitest ARGS` left running (for signals, pipes closed early, several at once), its
    output piped (`stderr=subprocess.STDOUT` merges the two); killed on the way out if it is
    still running, so a test that fails midway leaves no process behind."""
    process = subprocess.Popen(
        cli_command(*args),
        cwd=cwd, env=cli_env() if env is None else env, stdout=subprocess.PIPE, stderr=stderr,
        text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(CLI_TIMEOUT_S)


def wait_for_created(ledger: Path, run: subprocess.Popen[str], count: int = 2) -> None:
    """Until a running `apitest run` has created `count` records (its cleanup ledger says so),
    so that an interrupt has something to clean up; fails the test if the run never does."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and run.poll() is None:
        if ledger.exists() and ledger.read_text().count('"created"') >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the run created fewer than {count} records to interrupt")


def demo_auth() -> AuthConfig:
    """The demo client as the one profile of an in-process run."""
    credentials = Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
    return AuthConfig({"default": Profile("default", credentials)})


def free_port() -> int:
    """A port free a moment ago (the OS's pick for port 0), for a subprocess to bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def loopback_client(timeout: float = 10.0) -> httpx.Client:
    """An httpx client that ignores proxy settings: every call goes straight to 127.0.0.1."""
    return httpx.Client(timeout=timeout, trust_env=False)


def assert_caught(cases: Sequence[Mapping[str, Any]], case: str, said: str) -> None:
    """A planted defect gave itself away: every case named `case` ran and failed, and each
    says `said` (in its message, details or notes), so it failed for that defect's reason. A
    message names its first difference and its details all of them: "the write did not stick:
    $.note" is said where any difference is the note's, whichever member came first."""
    found = [c for c in cases if c["case"] == case]
    wrong = {c["id"]: c["message"] for c in cases if c["status"] != "passed"}
    assert found and all(c["status"] == "failed" for c in found), (case, wrong)
    for c in found:
        head = str(c["message"]).split(": ", 1)[0]
        every = [f"{head}: {detail}" for detail in c["details"]]
        words = " ".join([str(c["message"]), *c["details"], *every, *c["notes"]])
        assert said in words, (case, words)
