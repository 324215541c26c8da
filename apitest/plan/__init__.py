"""Planning: what to call, in which order, with which data."""
