"""The `apitest run` command.

The engine that plans and fires calls is not built yet (it lands with the engine issue). Until
then `run` does what it can honestly do: load and check the specs exactly as a run would, so
spec errors surface with exit 2, and say plainly that no call was made.
"""

from __future__ import annotations

import argparse
import sys

from apitest.errors import EXIT_USAGE
from apitest.spec.lint import plural
from apitest.spec.loader import load_catalog


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.paths, max_bytes=args.max_spec_bytes)
    names = ", ".join(res.name for res in catalog.resources)
    print(
        f"apitest run: the specs load cleanly ({names}; "
        f"{plural(catalog.operation_count, 'operation')}), "
        "but running them is not built yet: no call was made. "
        "Use 'apitest lint' to check specs meanwhile.",
        file=sys.stderr,
    )
    return EXIT_USAGE
