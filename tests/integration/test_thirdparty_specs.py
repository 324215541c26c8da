"""Every spec a third-party hunt wrote from its API's documentation (tests/data/thirdparty)
lints clean with `apitest lint --strict`: a hunt's spec is what a careful user writes from the
official reference, so a finding in one is either a lint that cries wolf or a spec to mend.
The specs of a folder are loaded together, as a run of that folder loads them; a subfolder
(a variant of the API, or a second spec of the same resource) is its own test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support import DATA
from ._thirdparty import assert_lints_clean

HUNTS = DATA / "thirdparty"
FOLDERS = sorted({spec.parent for spec in HUNTS.rglob("*.xml")})


@pytest.mark.parametrize("folder", FOLDERS, ids=[str(f.relative_to(HUNTS)) for f in FOLDERS])
def test_every_hunt_spec_lints_clean(folder: Path) -> None:
    assert_lints_clean(*sorted(folder.glob("*.xml")))


def test_every_hunt_is_linted() -> None:
    """A hunt's folder moved or renamed would drop out of the list above unseen."""
    assert len(FOLDERS) >= 48 and HUNTS / "litestar" in FOLDERS
