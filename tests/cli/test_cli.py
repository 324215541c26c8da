"""The `apitest` command line, run as a real subprocess on real files.

Exit statuses are the documented ones (0 passed / no problems, 1 lint --strict warnings, 2 spec
or usage error, 3 unreachable); every user mistake ends as a located one-line message, never a
traceback; output that is not a terminal (or under NO_COLOR) carries no ANSI escape codes.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import apitest

from ..support import CLI_TIMEOUT_S, REPO, SPECS, cli_command, cli_env, free_port, run_cli

CLEAN_SUMMARY = "2 files, 2 resources, 9 operations: no problems"
DIAGNOSTIC_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (error|warning): .+$")
ANSI = re.compile(r"\x1b\[")

# A spec with two errors at known places: an unknown type (line 6, the `type=` attribute) and a
# reference to no structure (line 14, the `name=` attribute).
BAD_SPEC = """\
<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="pets">
  <components>
    <structure ref-name="pet">
      <property name="id" type="long_string"/>
      <property name="age" type="integr"/>
    </structure>
  </components>
  <url path="/pets">
    <operation method="get" name="list" category="read">
      <response status="200">
        <content>
          <encode type="application/json"/>
          <structure-ref name="pett"/>
        </content>
      </response>
    </operation>
  </url>
</resource>
"""
BAD_TYPE_AT = (6, BAD_SPEC.splitlines()[5].index('type="integr"') + 1)
BAD_REF_AT = (14, BAD_SPEC.splitlines()[13].index('name="pett"') + 1)

# A valid spec whose only problem is an unknown attribute on the root (a warning).
WARN_SPEC = """\
<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="cats" colour="blue">
  <url path="/pets">
    <operation method="get" name="list" category="read">
      <response status="200">
        <content>
          <encode type="application/json"/>
        </content>
      </response>
    </operation>
  </url>
</resource>
"""
WARN_AT = (2, WARN_SPEC.splitlines()[1].index("colour=") + 1)
CLEAN_SPEC = WARN_SPEC.replace(' colour="blue"', "")

# Not well-formed: an unquoted attribute value on line 4; libxml2 stops at its first character.
MALFORMED_SPEC = """\
<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="pets">
  <components>
    <structure ref-name="pet"><property name="id" type=string/></structure>
  </components>
</resource>
"""
MALFORMED_AT = (4, MALFORMED_SPEC.splitlines()[3].index("=string") + 2)


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as stdout/stderr; its exit status and output."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + CLI_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=CLI_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=CLI_TIMEOUT_S)
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """A folder with bad.xml, warn.xml and malformed.xml; commands run with it as cwd."""
    (tmp_path / "bad.xml").write_text(BAD_SPEC, encoding="utf-8")
    (tmp_path / "warn.xml").write_text(WARN_SPEC, encoding="utf-8")
    (tmp_path / "malformed.xml").write_text(MALFORMED_SPEC, encoding="utf-8")
    return tmp_path


def _stdout_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return done.stdout.splitlines()


# --- version and help ------------------------------------------------------------------------
def test_version_prints_the_version_and_exits_0() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"apitest {apitest.__version__}"
    assert apitest.__version__ == importlib.metadata.version("apitest")


def test_installed_script_prints_the_version() -> None:
    script = Path(sys.executable).with_name("apitest")
    if not script.is_file():
        pytest.skip(f"no apitest script beside {sys.executable}")
    done = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=CLI_TIMEOUT_S
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"apitest {apitest.__version__}"
    assert done.stderr == ""


def test_python_m_apitest_is_the_same_command() -> None:
    """Where the scripts folder is not on PATH, `python -m apitest` stands in for `apitest`:
    the same version line, and the same message and exit status for a mistake."""
    args = [["--version"], ["run", "--no-such-option", "specs"]]
    as_module = [[sys.executable, "-m", "apitest", *each] for each in args]
    as_cli = [cli_command(*each) for each in args]
    done = [
        subprocess.run(argv, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, cwd=REPO)
        for argv in [*as_module, *as_cli]
    ]
    version, mistake, cli_version, cli_mistake = done
    assert (version.returncode, version.stdout.strip()) == (0, f"apitest {apitest.__version__}")
    assert (mistake.returncode, mistake.stderr) == (2, cli_mistake.stderr)
    assert mistake.stderr.startswith("apitest: unrecognized arguments: --no-such-option")
    assert version.stdout == cli_version.stdout


def test_a_run_stopped_before_its_first_report_leaves_no_empty_folder(tmp_path: Path) -> None:
    """Missing credentials stop a run against a target of one's own (exit 2) after its report
    folder was made to try it: the folders it made are taken away again, not what it found."""
    args = ("run", str(SPECS / "trips.xml"), "--base-url", "http://127.0.0.1:9/api/v1")
    done = run_cli(*args, cwd=tmp_path, env=cli_env(credentials=False))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "needs OAuth2" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no reports/<run>/, and no reports/ either
    found = tmp_path / "found"
    found.mkdir()
    again = run_cli(*args, "--report-dir", str(found / "a" / "run"), env=cli_env(credentials=False))
    assert again.returncode == 2, again.stdout + again.stderr
    assert list(found.iterdir()) == []  # a/run/ made and taken away; found/ stays


@pytest.mark.parametrize("args", [["--help"], ["lint", "--help"], ["run", "--help"]])
def test_help_exits_0_and_documents_every_exit_status(args: list[str]) -> None:
    done = run_cli(*args)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: apitest")
    assert "exit status" in done.stdout
    for code in (0, 1, 2, 3):
        assert re.search(rf"^\s+{code}\s+\S", done.stdout, re.MULTILINE), f"status {code}"


def test_lint_help_documents_its_options() -> None:
    done = run_cli("lint", "--help")
    for option in ("--strict", "--format", "--max-spec-bytes", "PATH"):
        assert option in done.stdout


def test_no_subcommand_exits_2_with_usage() -> None:
    done = run_cli()
    assert done.returncode == 2
    assert "usage: apitest" in done.stdout + done.stderr
    assert "lint" in done.stdout + done.stderr


# --- usage errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--bogus"], "--bogus"),
        (["lint", "--bogus", "specs/"], "--bogus"),
        (["lint", "--format", "yaml", "specs/"], "--format"),
        (["lint"], "PATH"),
        (["run"], "PATH"),
        (["lint", "no-such-folder/"], "no-such-folder/"),
        (["run", "no-such-spec.xml"], "no-such-spec.xml"),
        (["frobnicate"], "frobnicate"),
    ],
    ids=[
        "unknown-option",
        "unknown-lint-option",
        "bad-format-choice",
        "lint-missing-path",
        "run-missing-path",
        "nonexistent-folder",
        "nonexistent-file",
        "unknown-command",
    ],
)
def test_usage_errors_exit_2_with_one_line_naming_the_culprit(args: list[str], named: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert named in lines[0]


def test_max_spec_bytes_that_is_not_a_size_exits_2_naming_the_option() -> None:
    done = run_cli("lint", "--max-spec-bytes", "banana", "specs/")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "--max-spec-bytes" in lines[0]
    assert "banana" in lines[0]


@pytest.mark.parametrize("size", ["0", "-5", "12q"])
def test_max_spec_bytes_rejects_zero_negative_and_bad_units(size: str) -> None:
    done = run_cli("lint", f"--max-spec-bytes={size}", "specs/")
    assert done.returncode == 2
    assert "--max-spec-bytes" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# --- lint ------------------------------------------------------------------------------------
def test_lint_reference_specs_has_no_problems() -> None:
    done = run_cli("lint", "specs/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _stdout_lines(done)[-1] == CLEAN_SUMMARY
    assert done.stderr == ""


def test_lint_a_single_spec_brings_the_resource_it_needs() -> None:
    done = run_cli("lint", "specs/trips.xml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _stdout_lines(done)[-1] == CLEAN_SUMMARY


def test_lint_of_a_suite_checks_the_specs_it_names_as_run_reads_them(specs: Path) -> None:
    """`apitest run suites/trips.toml` takes a suite; lint took the same argument for XML and
    said "malformed XML" at line 1 of the TOML."""
    done = run_cli("lint", "suites/trips.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _stdout_lines(done)[-1] == CLEAN_SUMMARY
    (specs / "suite.toml").write_text('specs = ["bad.xml"]\n', encoding="utf-8")
    done = run_cli("lint", "suite.toml", cwd=specs)
    assert done.returncode == 2
    assert "error: unknown type 'integr'" in done.stdout, done.stdout
    assert "malformed XML" not in done.stdout
    done = run_cli("lint", "suite.toml", "warn.xml", cwd=specs)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "apitest: give one suite or spec files, not both (suite.toml, warn.xml); a suite names "
        "its own specs"
    )


def test_the_commands_that_take_a_suite_say_so_in_their_help() -> None:
    for command in ("run", "plan", "lint"):
        done = run_cli(command, "--help")
        assert "or one suite (a .toml file naming its specs)" in " ".join(done.stdout.split())


def test_lint_error_spec_exits_2_with_located_lines_and_a_summary(specs: Path) -> None:
    done = run_cli("lint", "bad.xml", cwd=specs)
    assert done.returncode == 2
    lines = _stdout_lines(done)
    assert len(lines) == 3, done.stdout
    type_line, ref_line, summary = lines
    line, col = BAD_TYPE_AT
    assert type_line.startswith(f"bad.xml:{line}:{col}: error: unknown type 'integr' (")
    assert "integer" in type_line  # the hint lists the known types
    assert type_line.endswith(") [see docs/zspec.md#property]")  # where types are explained
    line, col = BAD_REF_AT
    assert ref_line == (
        f'bad.xml:{line}:{col}: error: name="pett" refers to no <structure> '
        "(known structure keys here: pet) [see docs/zspec.md#structure]"
    )
    for diagnostic in (type_line, ref_line):
        assert DIAGNOSTIC_LINE.match(diagnostic)
    assert re.fullmatch(r"1 file, \d+ resources?, \d+ operations?: 2 errors, 0 warnings", summary)


def test_lint_malformed_xml_points_at_the_offending_character(specs: Path) -> None:
    done = run_cli("lint", "malformed.xml", cwd=specs)
    assert done.returncode == 2
    first = _stdout_lines(done)[0]
    line, col = MALFORMED_AT  # the first character of the unquoted value `string`
    assert first.startswith(f"malformed.xml:{line}:{col}: error: malformed XML"), first
    assert _stdout_lines(done)[-1] == "1 file, 0 resources, 0 operations: 1 error, 0 warnings"


def test_unknown_attribute_is_a_warning_exit_0_without_strict(specs: Path) -> None:
    done = run_cli("lint", "warn.xml", cwd=specs)
    assert done.returncode == 0
    lines = _stdout_lines(done)
    line, col = WARN_AT
    assert lines[0].startswith(
        f"warn.xml:{line}:{col}: warning: unknown attribute 'colour' on <resource>"
    )
    assert lines[-1] == "1 file, 1 resource, 1 operation: 0 errors, 1 warning"


def test_unknown_attribute_fails_with_strict_exit_1(specs: Path) -> None:
    done = run_cli("lint", "--strict", "warn.xml", cwd=specs)
    assert done.returncode == 1
    assert "unknown attribute 'colour'" in done.stdout
    assert _stdout_lines(done)[-1].endswith("0 errors, 1 warning")


def test_strict_still_exits_2_on_errors(specs: Path) -> None:
    done = run_cli("lint", "--strict", "bad.xml", "warn.xml", cwd=specs)
    assert done.returncode == 2
    assert "unknown type 'integr'" in done.stdout


def test_json_format_on_reference_specs() -> None:
    done = run_cli("lint", "--format", "json", "specs/")
    assert done.returncode == 0
    payload = json.loads(done.stdout)
    assert payload == {
        "files": 2,
        "resources": 2,
        "operations": 9,
        "errors": 0,
        "warnings": 0,
        "diagnostics": [],
    }


def test_json_format_lists_every_diagnostic_with_its_kind(specs: Path) -> None:
    done = run_cli("lint", "--format", "json", "bad.xml", "warn.xml", cwd=specs)
    assert done.returncode == 2
    payload = json.loads(done.stdout)
    assert set(payload) >= {"files", "resources", "operations", "errors", "warnings"}
    assert payload["files"] == 2
    assert payload["errors"] == 2
    assert payload["warnings"] == 1
    diagnostics = payload["diagnostics"]
    assert len(diagnostics) == 3
    for item in diagnostics:
        assert {"severity", "file", "line", "col", "message", "hint", "kind"} <= set(item)
        assert item["kind"].startswith("Spec") and item["kind"].endswith("Error")
    found = {(d["file"], d["line"], d["col"], d["severity"], d["kind"]) for d in diagnostics}
    assert found == {
        ("bad.xml", *BAD_TYPE_AT, "error", "SpecValueError"),
        ("bad.xml", *BAD_REF_AT, "error", "SpecReferenceError"),
        ("warn.xml", *WARN_AT, "warning", "SpecStructureError"),
    }


def test_json_format_exit_status_follows_strict(specs: Path) -> None:
    plain = run_cli("lint", "--format", "json", "warn.xml", cwd=specs)
    strict = run_cli("lint", "--format", "json", "--strict", "warn.xml", cwd=specs)
    assert (plain.returncode, strict.returncode) == (0, 1)
    assert json.loads(strict.stdout)["warnings"] == 1


def test_a_folder_skips_other_xml_and_folders_named_like_specs(tmp_path: Path) -> None:
    """ZSPEC.md section 1: other XML under a folder is ignored and never fails the run."""
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "cats.xml").write_text(CLEAN_SPEC, encoding="utf-8")
    (folder / "pom.xml").write_text("<project><name>x</name></project>\n", encoding="utf-8")
    (folder / "archive.xml").mkdir()  # a folder whose name ends in .xml is not a spec file
    done = run_cli("lint", "specs", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert _stdout_lines(done)[-1] == "1 file, 1 resource, 1 operation: no problems"


# --- size limit ------------------------------------------------------------------------------
def test_max_spec_bytes_refuses_a_bigger_spec_naming_its_size(tmp_path: Path) -> None:
    spec = tmp_path / "destinations.xml"
    shutil.copyfile(SPECS / "destinations.xml", spec)
    size = spec.stat().st_size
    assert size > 1024
    done = run_cli("lint", "--max-spec-bytes", "1k", "destinations.xml", cwd=tmp_path)
    assert done.returncode == 2
    assert f"{size:,} bytes" in done.stdout
    assert "1,024" in done.stdout
    assert "destinations.xml" in done.stdout
    run = run_cli("run", "--max-spec-bytes", "1k", "destinations.xml", cwd=tmp_path)
    assert run.returncode == 2
    assert f"{size:,} bytes" in run.stderr


def test_max_spec_bytes_accepts_a_spec_under_the_limit(tmp_path: Path) -> None:
    shutil.copyfile(SPECS / "destinations.xml", tmp_path / "destinations.xml")
    done = run_cli("lint", "--max-spec-bytes", "64k", "destinations.xml", cwd=tmp_path)
    assert done.returncode == 0
    assert _stdout_lines(done)[-1] == "1 file, 1 resource, 4 operations: no problems"


def test_a_whole_file_error_is_not_located_at_line_0(tmp_path: Path) -> None:
    """A size refusal has no position; `file:0:0:` is no place in the file (lines start at 1)."""
    shutil.copyfile(SPECS / "destinations.xml", tmp_path / "destinations.xml")
    done = run_cli("lint", "--max-spec-bytes", "1k", "destinations.xml", cwd=tmp_path)
    first = _stdout_lines(done)[0]
    assert first.startswith("destinations.xml")
    assert not re.match(r"^destinations\.xml:0:", first), first


# --- colour ----------------------------------------------------------------------------------
def test_piped_output_has_no_ansi_codes(specs: Path) -> None:
    for args in (["lint", "bad.xml", "warn.xml"], ["lint", "--strict", "warn.xml"]):
        done = run_cli(*args, cwd=specs)
        assert done.stdout
        assert not ANSI.search(done.stdout + done.stderr), repr(done.stdout)
        for line in _stdout_lines(done)[:-1]:
            assert DIAGNOSTIC_LINE.match(line), line


def test_piped_output_ignores_term_and_columns(specs: Path) -> None:
    env = cli_env(credentials=False, TERM="xterm-256color", COLUMNS="20")
    done = run_cli("lint", "bad.xml", cwd=specs, env=env)
    assert not ANSI.search(done.stdout)
    assert len(_stdout_lines(done)) == 3  # one line per problem, never wrapped


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_output_is_coloured(specs: Path) -> None:
    """The control for the NO_COLOR test: on a terminal, rich does colour the output."""
    env = cli_env(credentials=False, TERM="xterm-256color")
    code, output = run_in_terminal(cli_command("lint", "bad.xml"), specs, env)
    assert code == 2
    assert "unknown type 'integr'" in output
    assert ANSI.search(output)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_no_color_on_a_terminal_gives_plain_lines(specs: Path) -> None:
    """lint promises plain output, one line per problem, when piped *or* NO_COLOR is set."""
    env = cli_env(credentials=False, TERM="xterm-256color", NO_COLOR="1")
    code, output = run_in_terminal(cli_command("lint", "bad.xml"), specs, env)
    assert code == 2
    assert "unknown type 'integr'" in output
    assert not ANSI.search(output), repr(output)
    lines = output.replace("\r\n", "\n").strip().splitlines()
    assert len(lines) == 3, lines  # two problems and the summary, no file header
    assert all(DIAGNOSTIC_LINE.match(line) for line in lines[:2]), lines


# --- run -------------------------------------------------------------------------------------
@pytest.mark.parametrize("loop", ["auto", "asyncio"])
def test_run_reference_spec_passes_against_the_in_process_service(
    tmp_path: Path, loop: str
) -> None:
    """The README's first command: no --base-url, no credentials, every case green; on
    uvloop (the default) and on asyncio's own loop (where uvloop is not installed)."""
    env = cli_env(credentials=False, APITEST_EVENT_LOOP=loop)
    done = run_cli("run", "specs/trips.xml", "--report-dir", str(tmp_path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("started the bundled reference service at http://127.0.0.1:")
    headers = [line.split()[0] for line in lines if line.startswith(("trips.", "destinations."))]
    assert sorted(headers) == ["destinations.1", "destinations.2", "trips.1", "trips.2"]
    totals = r"^(\d+) cases: (\d+) passed, 0 failed, 0 error, 0 skipped in "
    summary = re.search(totals, done.stdout, re.M)
    assert summary is not None and summary.group(1) == summary.group(2), done.stdout[-2000:]
    assert "FAIL" not in done.stdout and done.stderr == ""


def test_a_reference_run_aimed_by_var_at_a_silent_port_exits_3_and_starts_no_service(
    tmp_path: Path,
) -> None:
    """Only a run that names no place starts the bundled service: one aimed at a port (a
    service started with `apitest serve --port N --bug ...`, the port mistyped) that tested
    another, correct service would pass for the wrong reason."""
    port = free_port()
    args = ("run", "specs/trips.xml", "--var", f"port={port}", "--report-dir", str(tmp_path))
    done = run_cli(*args, env=cli_env(credentials=False))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    target = f"http://127.0.0.1:{port}/api/v1"
    assert done.stdout.startswith(f"nothing answers at {target}, where --var points"), done.stdout
    assert "started the bundled" not in done.stdout
    assert f"cannot reach the target {target}" in done.stderr


def test_run_broken_spec_exits_2_with_the_located_error(specs: Path) -> None:
    done = run_cli("run", "bad.xml", cwd=specs)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line, col = BAD_TYPE_AT
    assert lines[0].startswith(f"bad.xml:{line}:{col}: error: unknown type 'integr' (")
    assert "no call was made" not in done.stderr


def test_an_unknown_event_loop_exits_2_before_anything_starts(specs: Path) -> None:
    done = run_cli(
        "run", "warn.xml", cwd=specs, env=cli_env(credentials=False, APITEST_EVENT_LOOP="fast")
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "apitest: APITEST_EVENT_LOOP='fast' is not a known event loop "
        "(use one of: auto, uvloop, asyncio; or leave it unset)"
    ]


def test_run_malformed_spec_exits_2_with_file_and_line(specs: Path) -> None:
    done = run_cli("run", "malformed.xml", cwd=specs)
    assert done.returncode == 2
    assert done.stderr.startswith(f"malformed.xml:{MALFORMED_AT[0]}:")
    assert "malformed XML" in done.stderr


def test_plan_with_warnings_only_still_loads(specs: Path) -> None:
    done = run_cli("plan", "warn.xml", cwd=specs)
    assert done.returncode == 0, done.stderr
    assert "critical-path estimate" in done.stdout


# --- never a traceback -----------------------------------------------------------------------
SCENARIOS: dict[str, list[str]] = {
    "version": ["--version"],
    "help": ["--help"],
    "lint-help": ["lint", "--help"],
    "no-command": [],
    "unknown-option": ["--bogus"],
    "missing-path": ["lint"],
    "nonexistent-path": ["lint", "no-such-folder/"],
    "lint-reference": ["lint", "{repo}/specs"],
    "lint-bad": ["lint", "bad.xml"],
    "lint-bad-json": ["lint", "--format", "json", "bad.xml"],
    "lint-malformed": ["lint", "malformed.xml"],
    "lint-warn": ["lint", "warn.xml"],
    "lint-warn-strict": ["lint", "--strict", "warn.xml"],
    "size-limit": ["lint", "--max-spec-bytes", "1k", "{repo}/specs"],
    "size-banana": ["lint", "--max-spec-bytes", "banana", "{repo}/specs"],
    "run-reference": ["run", "{repo}/specs/trips.xml"],
    "run-bad": ["run", "bad.xml"],
    "run-malformed": ["run", "malformed.xml"],
    "run-size-limit": ["run", "--max-spec-bytes", "1k", "{repo}/specs"],
    "lint-a-folder-without-specs": ["lint", "{empty}"],
    "lint-a-directory-named-xml": ["lint", "dir.xml"],
    "lint-non-resource-xml": ["lint", "other.xml"],
    "lint-binary": ["lint", "binary.xml"],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_no_traceback_and_a_documented_exit_status(name: str, specs: Path) -> None:
    (specs / "empty").mkdir()
    (specs / "dir.xml").mkdir()
    (specs / "other.xml").write_text("<project><name>x</name></project>\n", encoding="utf-8")
    (specs / "binary.xml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    args = [arg.format(repo=REPO, empty=specs / "empty") for arg in SCENARIOS[name]]
    done = run_cli(*args, cwd=specs)
    assert "Traceback" not in done.stdout
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 1, 2), done.stderr
    if done.returncode == 2 and name not in ("no-command",):
        assert done.stderr.strip() or done.stdout.strip()  # said why
