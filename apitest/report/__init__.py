"""Reports: the run model every output reads, and the outputs themselves."""
