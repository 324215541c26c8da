"""The test suites, one package, so that each imports the helpers they share (tests/support.py)
relatively, and under tox too, where the package under test is installed and only pytest puts
the repository on sys.path."""
