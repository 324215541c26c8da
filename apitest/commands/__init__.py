"""One module per subcommand; `apitest.cli` imports each only when it runs (fast start-up)."""
