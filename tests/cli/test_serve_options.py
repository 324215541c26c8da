"""`apitest serve`'s knobs come from DemoConfig's fields: one list, one default each.

The options, their help and the mapping from option to field were written three times (the
parser's table, the command's field list and DemoConfig); now DemoConfig's field metadata is the
only list, so a knob added there is an option, with its default in the help, without more code.
"""

from __future__ import annotations

import pytest

from apitest.cli import build_parser
from apitest.commands.serve import _config
from apitest.demo.config import BUGS, DemoConfig, serve_knobs
from apitest.errors import UsageError

KNOBS = list(serve_knobs())


def test_every_tunable_field_but_port_and_bugs_is_a_knob() -> None:
    names = {name for name, _, _ in KNOBS}
    assert names == set(DemoConfig.__dataclass_fields__) - {"port", "bugs"}


@pytest.mark.parametrize(("name", "flag", "default"), [(n, k.flag, d) for n, k, d in KNOBS])
def test_each_option_sets_its_field_and_its_help_shows_the_field_default(
    name: str, flag: str, default: float, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "0.5" if isinstance(default, float) else "7"  # rates are shares in [0, 1]
    config = _config(build_parser().parse_args(["serve", flag, other]))
    assert getattr(config, name) == float(other) != default
    assert all(
        getattr(config, field) == getattr(DemoConfig(port=8765), field)
        for field in DemoConfig.__dataclass_fields__
        if field != name
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"{flag} " in help_text
    assert f"(default {default:g})" in help_text


def test_the_help_lists_each_defect_mode_with_what_it_breaks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    out = capsys.readouterr().out
    for name, what in BUGS.items():
        assert f"  {name} " in out and what in out


def test_bug_modes_reach_the_config_and_a_bad_value_names_its_option() -> None:
    args = build_parser().parse_args(["serve", "--bug", "no-auth", "--bug", "wrong-type"])
    assert _config(args).bugs == {"no-auth", "wrong-type"}
    with pytest.raises(UsageError, match=r"^--token-ttl: must be a number of seconds above 0"):
        _config(build_parser().parse_args(["serve", "--token-ttl", "0"]))
