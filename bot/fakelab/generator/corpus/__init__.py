"""Text pools for the synthetic GitLab of :mod:`bot.fakelab.generator`, one module per topic.

Only data lives here: names, project catalogue, file layouts, titles, descriptions, review
comments and the like. The generator picks from these pools with its own seeded RNG, so editing a
pool changes the generated datasets but never their determinism.

Placeholders, filled with ``str.format``:

- ``{m}``: a domain module as words (``audit log``), ``{f}``: as a file stem (``audit_log``),
  ``{C}``: as a class name (``AuditLog``), ``{pkg}``: as a Java package (``auditlog``);
- ``{user}``: a teammate's ``@username``; ``{sha}``: a short commit SHA;
- ``{iid}``: an issue or MR number; ``{job}``: a CI job name.
"""
