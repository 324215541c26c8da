"""A notes API in django-tastypie, for apitest's tests (see ../serve.py)."""
