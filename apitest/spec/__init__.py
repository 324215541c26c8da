"""The ZSPEC dialect: model, loader, scope grammar, conditions, types and lint.

Knows nothing of HTTP: everything here runs before the first request is made.
"""
