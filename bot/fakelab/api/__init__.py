"""The REST API v4 surface of the offline GitLab, one module per GitLab resource.

Each module declares its routes as data (``ROUTES``: method, path pattern, handler); the router
matches them against the raw, still URL-encoded path, because GitLab addresses projects by
``acme%2Fbackend`` and a decoded slash would be ambiguous.
"""
