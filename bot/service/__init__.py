"""``ladder-bot run``: the scheduler, one-shot cycles, the leader lock, ``status`` and logs.

    cycle      one cycle: sync, then match, then the digests that are due; each step's outcome
    scheduler  the APScheduler service: jobs ``sync`` (sync and match) and ``digests``
    lock       the leader lock: one ``run`` (or ``sync``, ``match``...) per database at a time
    signals    SIGTERM and SIGINT: finish the current page, then stop cleanly
    status     what ``ladder-bot status`` shows: runs, next runs, errors, watermarks, posts
    logs       plain or JSON log lines, with the token redacted

docs/deployment.md describes how to run it: as a service, or as a scheduled CI job.
"""
