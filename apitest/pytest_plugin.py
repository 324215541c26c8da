"""pytest plugin entry point (registered under `pytest11`).

Placeholder: collecting ZSPEC files as pytest items lands with the pytest-plugin issue. It is
registered now so that the entry point, and every pytest run's loading of it, is exercised from
the start; it defines no hooks, so it changes nothing in a pytest session.
"""
