"""A Django REST framework app for apitest's tests: notes behind django-oauth-toolkit."""
