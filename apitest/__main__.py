"""`python -m apitest`: the `apitest` command where the interpreter's scripts folder is not on
PATH (a CI image, a virtualenv not activated), with the same options, output and exit status."""

import sys

from apitest.cli import main

sys.exit(main())
