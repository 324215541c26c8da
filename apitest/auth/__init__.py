"""Authentication: credentials, OAuth2 token flows, and where a token goes on a call."""
