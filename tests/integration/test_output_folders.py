"""A report folder, or a report file's folder, that cannot be made or written in is a usage
error (exit 2) naming its option, said before any call: before, `run` made its calls, created
records with no ledger to clean them up by, and then crashed with a traceback; `merge` crashed
likewise. A report named by a pipe or device is written into it, not renamed over it; one that
cannot be written when the run ends is said, naming it, with exit 2."""

from __future__ import annotations

import fcntl
import json
import os
import select
import stat
import threading
import time
from pathlib import Path

import pytest

from ..support import run_cli
from ._api import live_ids
from .conftest import MakeServer


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """A plain file: nothing can be made below it, whoever runs the test (root included)."""
    path = tmp_path / "not-a-folder"
    path.write_text("x", encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["--report-dir", "--html", "--junit", "--json", "--jsonl"])
def test_run_refuses_an_output_folder_it_cannot_make_before_any_call(
    make_server: MakeServer, a_file: Path, option: str
) -> None:
    server = make_server()
    before = live_ids(server)
    target = a_file / "sub" if option == "--report-dir" else a_file / "sub" / "out.file"
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        option, str(target),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot make the folder {target.parent if option != '--report-dir' else target}" in (
        done.stderr
    )
    assert done.stderr.startswith(f"apitest: {option}")
    assert live_ids(server) == before  # nothing was created: no call was made


def test_merge_refuses_a_report_folder_it_cannot_make(
    make_server: MakeServer, a_file: Path, tmp_path: Path
) -> None:
    server = make_server()
    shard = tmp_path / "s1.json"
    ran = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        "--shard", "1/1", "--json", str(shard), "--report-dir", str(tmp_path / "r"), "-q",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    done = run_cli("merge", str(shard), "--html", str(a_file / "m.html"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"apitest: --html {a_file / 'm.html'}: cannot make the folder {a_file}" in done.stderr
    assert done.stdout == ""  # refused before anything is printed


@pytest.mark.parametrize(
    ("option", "where", "said"),
    [
        ("--junit", "/proc/apitest-out.xml", "cannot write in the folder /proc ("),
        ("--jsonl", "/proc/apitest-out.jsonl", "cannot write in the folder /proc ("),
        ("--json", "", "it is a folder"),
    ],
)
def test_run_refuses_an_output_it_cannot_write_before_any_call(
    make_server: MakeServer, tmp_path: Path, option: str, where: str, said: str
) -> None:
    """/proc refuses a new file whoever asks (root too, whom permission bits do not stop)."""
    server = make_server()
    before = live_ids(server)
    target = where or str(tmp_path)
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "r"), option, target,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"apitest: {option} {target}: {said}"), done.stderr
    assert live_ids(server) == before


class PipeReader(threading.Thread):
    """Reads a named pipe the run writes a report into, never blocking for long: opened at
    once (non-blocking), so the writer's open does not wait, and given up after a deadline.
    With `hang_up`, its buffer is cut to one page and it closes as soon as data comes, so the
    writer's next write fails (EPIPE) whatever the report's size."""

    def __init__(self, path: Path, *, hang_up: bool = False) -> None:
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        if hang_up:
            fcntl.fcntl(self.fd, fcntl.F_SETPIPE_SZ, 4096)
        self.hang_up = hang_up
        self.data = b""

    def run(self) -> None:
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                chunk = os.read(self.fd, 1 << 16) if ready else b""
                if chunk and self.hang_up:
                    self.data = chunk
                    return
                if not chunk and self.data:
                    return  # the writer closed it: the whole report is here
                if not chunk:
                    time.sleep(0.05)  # no writer yet (a pipe with none reads as empty)
                self.data += chunk
        finally:
            os.close(self.fd)


def test_run_writes_a_report_into_a_named_pipe_in_place(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """Before, the report was renamed over the pipe (as root over /dev/stdout or /dev/null
    too: a regular file where the device was), or the run crashed making its temporary file."""
    server = make_server()
    pipe = tmp_path / "result.pipe"
    os.mkfifo(pipe)
    reader = PipeReader(pipe)
    reader.start()
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "r"), "--json", str(pipe), "-q",
    )  # fmt: skip
    reader.join(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)  # still the pipe
    assert json.loads(reader.data)["target"] == server.base_url
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_report_that_cannot_be_written_when_the_run_ends_is_said_with_exit_2(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    pipe = tmp_path / "result.pipe"
    os.mkfifo(pipe)
    reader = PipeReader(pipe, hang_up=True)
    reader.start()
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "r"), "--json", str(pipe),
    )  # fmt: skip
    reader.join(timeout=30)
    assert reader.data  # the writer had begun
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(
        f"apitest: the JSON result could not be written to {pipe} (Broken pipe)"
    ), done.stderr
    assert "The verdict is in the summary above" in done.stderr
    assert "passed, 0 failed" in done.stdout  # the verdict was said
    assert f"JUnit XML: {tmp_path / 'r' / 'junit.xml'}" in done.stdout  # the others written
    assert (tmp_path / "r" / "junit.xml").is_file()
