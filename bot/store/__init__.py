"""The store: SQLAlchemy models, the database connection and the schema's migrations.

Every GitLab object is kept twice over: normalised columns that queries need, and the raw
payload in an envelope (``raw``, ``endpoint``, ``fetched_at``, ``source_updated_at``), so any
later stage can be recomputed without fetching again.
"""
