"""A Django REST framework app for apitest's tests: books behind token authentication."""
