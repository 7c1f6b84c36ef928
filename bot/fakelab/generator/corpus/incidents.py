"""What an incident issue says: title, alert, the lead's notes, timeline and root cause.

``{hhmm}`` and ``{t0}``..``{t4}`` are UTC clock times, ``{lead}`` the lead's ``@username``,
``{cause}`` one of :data:`INCIDENT_CAUSES`.
"""

from __future__ import annotations

from typing import Final

INCIDENT_TITLES: Final = (
    "Elevated 5xx on {m} API", "{m} queue backlog growing", "Database CPU at 100 % ({m})",
    "{m} unavailable in EU region", "Login failures after {m} deploy", "Data delay in {m}",
)  # fmt: skip
INCIDENT_SEVERITIES: Final = ("CRITICAL", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "LOW")
INCIDENT_DESCRIPTION: Final = (
    "Alert `{f}_error_rate` fired at {hhmm} UTC.\n\n## Impact\n\nCustomers see errors on {m}.\n\n"
    "## Dashboards\n\n- Grafana: {m} overview"
)
INCIDENT_LEAD: Final = ("I'm taking the lead on this incident. {user} please look at the recent "
                        "deploys, I'll check the database.")  # fmt: skip
INCIDENT_FINDINGS: Final = (
    "Error rate started exactly with the 10:02 deploy.", "DB connections are saturated, pool at 100/100.",
    "Rolling back the last deploy now.", "Mitigated: error rate back to baseline.",
    "Customers in the EU region only, US looks fine.",
)  # fmt: skip
INCIDENT_TIMELINE: Final = (
    "## Timeline (UTC)\n\n- {t0} alert fired, incident declared\n- {t1} {lead} takes the lead\n"
    "- {t2} cause identified: {cause}\n- {t3} mitigated\n- {t4} resolved, monitoring\n\n"
    "## Root cause\n\n{cause}\n\n## Follow-ups\n\n- [ ] Add an alert on the leading indicator\n"
    "- [ ] Write the post-incident review"
)
INCIDENT_CAUSES: Final = (
    "a missing index after the {m} migration", "a retry storm from the {m} worker",
    "an expired TLS certificate on the {m} upstream", "a config change that halved the {m} pool",
    "a regression in the last {m} release",
)  # fmt: skip
