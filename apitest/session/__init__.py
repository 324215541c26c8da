"""The session layer, under both shells (the CLI and the pytest plugin): one merge of a run's
settings (options > suite > DEFAULTS), the target (base URL, auth profiles), suites and their
hooks. It builds what the engine is given; the shells only parse what the user typed and show
what happened, so the two can never disagree about a default or a precedence."""
