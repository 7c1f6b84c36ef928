"""Text pools for the synthetic GitLab of :mod:`bot.fakelab.generator`.

Only data lives here: names, project catalogue, file layouts, titles, descriptions, review
comments and the like. The generator picks from these pools with its own seeded RNG, so editing a
pool changes the generated datasets but never their determinism.

Placeholders, filled with ``str.format``:

- ``{m}``: a domain module as words (``audit log``), ``{f}``: as a file stem (``audit_log``),
  ``{C}``: as a class name (``AuditLog``), ``{pkg}``: as a Java package (``auditlog``);
- ``{user}``: a teammate's ``@username``; ``{sha}``: a short commit SHA;
- ``{iid}``: an issue or MR number; ``{job}``: a CI job name.
"""

from __future__ import annotations

from typing import Final

# -- people -----------------------------------------------------------------------------------

FIRST_NAMES: Final = (
    "Aisha", "Alex", "Amara", "Ana", "Andrei", "Anika", "Arjun", "Ben", "Bruno", "Carla",
    "Chen", "Chloé", "Daniel", "Dara", "David", "Diego", "Elena", "Emeka", "Emma", "Eva",
    "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ibrahim", "Ines",
    "Ivan", "Jakub", "James", "Jana", "Javier", "Jin", "Jonas", "José", "Julia", "Kai",
    "Kavya", "Kenji", "Khanh", "Lars", "Laura", "Leila", "Leon", "Lina", "Lucas", "Lucía",
    "Maria", "Marek", "Mateo", "Maya", "Mehmet", "Mei", "Mia", "Mikael", "Nadia", "Nico",
    "Nina", "Noah", "Nour", "Olga", "Omar", "Oscar", "Pablo", "Paula", "Pedro", "Priya",
    "Rafael", "Rahul", "Rosa", "Ruben", "Sakura", "Samir", "Sara", "Sebastian", "Sofia", "Søren",
    "Tariq", "Thanh", "Theo", "Tomás", "Uma", "Valentina", "Victor", "Wei", "Yara", "Yusuf",
    "Zanele", "Zoë",
)  # fmt: skip

LAST_NAMES: Final = (
    "Abebe", "Adeyemi", "Ahmed", "Almeida", "Andersson", "Bakker", "Banerjee", "Becker", "Bianchi",
    "Brown", "Castro", "Chen", "Costa", "Dubois", "Dvořák", "Eriksen", "Fernández", "Fischer",
    "Garcia", "Gómez", "Haddad", "Hansen", "Hoffmann", "Horvat", "Ito", "Ivanova", "Jansen",
    "Jensen", "Kaplan", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lehmann", "Lindqvist",
    "Lopez", "Martin", "Meyer", "Moreau", "Müller", "Murphy", "Nakamura", "Nguyen", "Novak",
    "Okafor", "Oliveira", "Olsen", "O'Brien", "Park", "Patel", "Peeters", "Petrov", "Popescu",
    "Quinn", "Ramos", "Rao", "Reyes", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Smith",
    "Sousa", "Suzuki", "Tanaka", "Taylor", "Tran", "Van Dijk", "Vargas", "Virtanen", "Wagner",
    "Walker", "Wang", "Weber", "Wilson", "Wójcik", "Yamamoto", "Yilmaz", "Zhang", "Zimmermann",
)  # fmt: skip

JOB_TITLES: Final = {
    1: "Junior Backend Developer",
    2: "Backend Developer",
    3: "Backend Developer",
    4: "Senior Backend Developer",
    5: "Staff Backend Engineer",
    6: "Principal Engineer",
}

EMAIL_DOMAIN: Final = "acme.example.com"

# -- groups and projects ------------------------------------------------------------------------

GROUP: Final = ("acme", "Acme", "Everything Acme builds and runs.")
SUBGROUP: Final = ("platform", "Platform", "Shared infrastructure, gateways and identity.")

#: (name, in the platform subgroup?, stack, description, domain modules)
PROJECTS: Final = (
    ("backend", False, "python", "Core API and background workers.",
     ("user", "account", "session", "webhook", "audit_log", "notification", "export", "feature_flag")),
    ("billing-api", False, "ruby", "Invoices, payments and subscriptions.",
     ("invoice", "payment", "refund", "subscription", "tax_rate", "ledger", "coupon", "price_plan")),
    ("web-app", False, "typescript", "Customer-facing single page application.",
     ("dashboard", "checkout", "profile", "settings", "invoice_list", "login_form", "navbar", "search_bar")),
    ("infra", True, "infra", "Terraform, Helm charts and runbooks for every environment.",
     ("vpc", "postgres", "redis", "ingress", "monitoring", "backup", "runner", "dns")),
    ("auth-service", True, "go", "OAuth, sessions, roles and API keys.",
     ("token", "oauth_client", "password_reset", "mfa", "role", "permission", "api_key", "login")),
    ("notifications", False, "python", "E-mail, SMS and push delivery.",
     ("email", "sms", "push", "template", "digest", "delivery", "preference", "bounce")),
    ("payments", False, "java", "Payment provider integrations.",
     ("charge", "card", "payout", "provider", "settlement", "chargeback", "wallet", "fraud_check")),
    ("search", False, "python", "Indexing and full-text search.",
     ("index", "query", "ranking", "synonym", "indexer", "facet", "autocomplete", "crawler")),
    ("gateway", True, "go", "Edge API gateway.",
     ("route", "rate_limit", "upstream", "auth_filter", "cors", "retry", "circuit_breaker", "tls")),
    ("data-pipeline", False, "python", "Ingestion into the warehouse and nightly aggregates.",
     ("ingest", "transform", "warehouse", "partition", "snapshot", "metric", "schedule", "backfill")),
    ("mobile-api", False, "ruby", "Backend for the iOS and Android apps.",
     ("device", "push_token", "feed", "onboarding", "deep_link", "app_version", "media", "session")),
    ("admin-portal", False, "typescript", "Internal back-office tools.",
     ("user_table", "refund_form", "audit_view", "role_editor", "report_chart", "sidebar", "filter", "modal")),
    ("orders", False, "java", "Order management.",
     ("order", "cart", "line_item", "fulfillment", "return", "discount", "shipment", "stock")),
    ("reporting", False, "python", "Scheduled and ad-hoc business reports.",
     ("report", "dashboard_query", "csv_export", "chart", "kpi", "scheduler", "recipient", "cache")),
    ("observability", True, "infra", "Prometheus, Grafana, Loki and alerting rules.",
     ("alert_rule", "dashboard", "exporter", "log_pipeline", "slo", "tracing", "pager", "retention")),
    ("inventory", False, "java", "Warehouses and stock levels.",
     ("warehouse", "sku", "reservation", "stock_level", "supplier", "transfer", "barcode", "audit")),
    ("catalog", False, "ruby", "Products, prices and categories.",
     ("product", "category", "price", "variant", "image", "review", "bundle", "translation")),
    ("ci-templates", True, "infra", "Shared GitLab CI templates.",
     ("build", "test", "deploy", "lint", "security_scan", "cache", "release", "docker")),
    ("scheduler", False, "go", "Distributed job scheduler.",
     ("job", "worker", "lease", "queue", "cron", "retry_policy", "heartbeat", "lock")),
    ("docs-site", False, "typescript", "Public developer documentation.",
     ("guide", "api_reference", "search_index", "sidebar", "code_sample", "changelog", "theme", "redirect")),
)  # fmt: skip

# -- repository layout ----------------------------------------------------------------------------

SOURCE_PATHS: Final = {
    "python": ("app/services/{f}_service.py", "app/api/v1/{f}.py", "app/models/{f}.py",
               "app/workers/{f}_worker.py", "app/schemas/{f}.py", "app/core/{f}.py"),
    "ruby": ("app/services/{f}_service.rb", "app/models/{f}.rb",
             "app/controllers/api/v1/{f}_controller.rb", "lib/{f}/client.rb", "app/jobs/{f}_job.rb"),
    "java": ("src/main/java/com/acme/{pkg}/{C}Service.java",
             "src/main/java/com/acme/{pkg}/{C}Controller.java",
             "src/main/java/com/acme/{pkg}/{C}Repository.java", "src/main/java/com/acme/{pkg}/{C}.java"),
    "typescript": ("src/components/{C}/{C}.tsx", "src/api/{f}.ts", "src/hooks/use{C}.ts",
                   "src/store/{f}Slice.ts"),
    "go": ("internal/{f}/{f}.go", "internal/{f}/handler.go", "internal/{f}/store.go", "cmd/server/main.go"),
    "infra": ("terraform/modules/{f}/main.tf", "terraform/modules/{f}/variables.tf",
              "helm/{f}/values.yaml", "helm/{f}/templates/deployment.yaml", "ansible/roles/{f}/tasks/main.yml"),
}  # fmt: skip

TEST_PATHS: Final = {
    "python": ("tests/services/test_{f}_service.py", "tests/api/test_{f}.py", "tests/models/test_{f}.py"),
    "ruby": ("spec/services/{f}_service_spec.rb", "spec/models/{f}_spec.rb",
             "spec/requests/api/v1/{f}_spec.rb"),
    "java": ("src/test/java/com/acme/{pkg}/{C}ServiceTest.java",
             "src/test/java/com/acme/{pkg}/{C}ControllerTest.java"),
    "typescript": ("src/components/{C}/{C}.test.tsx", "src/api/{f}.test.ts"),
    "go": ("internal/{f}/{f}_test.go", "internal/{f}/handler_test.go"),
    "infra": ("test/{f}_test.go", "tests/test_{f}.py"),
}  # fmt: skip

#: ``{ts}`` is a 14-digit timestamp, ``{rev}`` a 12-hex Alembic revision, ``{n}`` a version number.
MIGRATION_PATHS: Final = {
    "python": ("migrations/versions/{rev}_add_{f}_table.py", "migrations/versions/{rev}_add_index_on_{f}.py"),
    "ruby": ("db/migrate/{ts}_create_{f}s.rb", "db/migrate/{ts}_add_index_to_{f}s.rb"),
    "java": ("src/main/resources/db/migration/V{n}__create_{f}_table.sql",
             "src/main/resources/db/migration/V{n}__add_{f}_index.sql"),
    "go": ("migrations/{n}_create_{f}.up.sql",),
}  # fmt: skip

#: A migration usually comes with a schema dump.
SCHEMA_FILES: Final = {
    "ruby": "db/schema.rb",
    "python": "app/models/__init__.py",
    "go": "internal/db/schema.go",
}

DEPENDENCY_FILES: Final = {
    "python": ("requirements.txt", "pyproject.toml", "poetry.lock"),
    "ruby": ("Gemfile", "Gemfile.lock"),
    "java": ("pom.xml", "build.gradle"),
    "typescript": ("package.json", "package-lock.json"),
    "go": ("go.mod", "go.sum"),
    "infra": (".terraform.lock.hcl", "helm/requirements.yaml"),
}

DOC_PATHS: Final = ("docs/{f}.md", "docs/architecture/{f}.md", "docs/runbooks/{f}.md", "README.md",
                    "CHANGELOG.md", "docs/api/{f}.md")  # fmt: skip
CI_PATHS: Final = (".gitlab-ci.yml", "ci/test.yml", "ci/deploy.yml", "ci/lint.yml", "Dockerfile",
                   "docker-compose.yml")  # fmt: skip

#: Small hunks per file extension: (modification, new-file, deletion).
HUNKS: Final = {
    ".py": (
        "@@ -41,6 +41,8 @@ def handle(self, payload):\n     record = self._load(payload)\n+    if record is None:\n+        return None\n     return self._process(record)",
        "@@ -0,0 +1,4 @@\n+from app.core import settings\n+\n+def run() -> None:\n+    settings.load()",
        "@@ -1,3 +0,0 @@\n-from app.legacy import helpers\n-\n-helpers.setup()",
    ),
    ".rb": (
        "@@ -12,6 +12,7 @@ def call\n     record = find_record!\n+    return if record.archived?\n     process(record)\n   end",
        "@@ -0,0 +1,3 @@\n+class CreateRecords < ActiveRecord::Migration[7.1]\n+  def change\n+  end",
        "@@ -1,2 +0,0 @@\n-# Deprecated, see app/services\n-module Legacy; end",
    ),
    ".java": (
        "@@ -57,7 +57,8 @@ public class Service {\n     var result = repository.find(id);\n-    return result.get();\n+    return result.orElseThrow(() ->\n+        new NotFoundException(id));",
        "@@ -0,0 +1,3 @@\n+package com.acme;\n+\n+public record Event(String id) {}",
        "@@ -1,2 +0,0 @@\n-package com.acme.legacy;\n-public class Helper {}",
    ),
    ".ts": (
        "@@ -20,5 +20,6 @@ export async function load(id: string) {\n   const res = await client.get(`/items/${id}`);\n+  if (!res.ok) throw new ApiError(res.status);\n   return res.json();",
        "@@ -0,0 +1,3 @@\n+export function formatAmount(cents: number): string {\n+  return (cents / 100).toFixed(2);\n+}",
        "@@ -1,2 +0,0 @@\n-// legacy helper\n-export const noop = () => {};",
    ),
    ".go": (
        "@@ -33,6 +33,9 @@ func (s *Store) Get(ctx context.Context, id string) (*Item, error) {\n \trow := s.db.QueryRowContext(ctx, q, id)\n+\tif err := row.Err(); err != nil {\n+\t\treturn nil, fmt.Errorf(\"get %s: %w\", id, err)\n+\t}",
        "@@ -0,0 +1,3 @@\n+package store\n+\n+const defaultLimit = 50",
        "@@ -1,2 +0,0 @@\n-package legacy\n-func Noop() {}",
    ),
    ".sql": (
        "@@ -1,3 +1,4 @@\n CREATE TABLE items (\n   id BIGSERIAL PRIMARY KEY,\n+  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),",
        "@@ -0,0 +1,3 @@\n+CREATE INDEX CONCURRENTLY idx_items_created_at\n+  ON items (created_at);\n+",
        "@@ -1,1 +0,0 @@\n-DROP TABLE legacy_items;",
    ),
    ".md": (
        "@@ -8,4 +8,6 @@\n ## Configuration\n \n+Set `REQUEST_TIMEOUT` (seconds) to override the default of 30.\n+\n See the runbook for incident procedures.",
        "@@ -0,0 +1,3 @@\n+# Overview\n+\n+This document describes the module and how to operate it.",
        "@@ -1,2 +0,0 @@\n-# Outdated\n-This page moved.",
    ),
    ".yml": (
        "@@ -10,6 +10,8 @@ test:\n   stage: test\n   script:\n     - make test\n+  artifacts:\n+    reports:\n+      junit: report.xml",
        "@@ -0,0 +1,3 @@\n+lint:\n+  stage: test\n+  script: make lint",
        "@@ -1,2 +0,0 @@\n-legacy-job:\n-  script: ./old.sh",
    ),
    ".tf": (
        "@@ -4,5 +4,6 @@ resource \"aws_db_instance\" \"main\" {\n   engine         = \"postgres\"\n-  instance_class = \"db.t3.medium\"\n+  instance_class = \"db.r6g.large\"\n+  multi_az       = true",
        "@@ -0,0 +1,3 @@\n+variable \"retention_days\" {\n+  default = 14\n+}",
        "@@ -1,2 +0,0 @@\n-# unused module\n-locals {}",
    ),
    "Dockerfile": (
        "@@ -1,4 +1,4 @@\n-FROM python:3.11-slim\n+FROM python:3.12-slim\n WORKDIR /app\n COPY . .",
        "@@ -0,0 +1,2 @@\n+FROM alpine:3.20\n+COPY bin/ /usr/local/bin/",
        "@@ -1,1 +0,0 @@\n-FROM scratch",
    ),
    "deps": (
        "@@ -12,7 +12,7 @@\n requests==2.32.3\n-sqlalchemy==2.0.30\n+sqlalchemy==2.0.31\n structlog==24.2.0",
        "@@ -0,0 +1,2 @@\n+pytest-xdist==3.6.1\n+freezegun==1.5.1",
        "@@ -1,1 +0,0 @@\n-nose==1.3.7",
    ),
}  # fmt: skip
HUNK_ALIASES: Final = {".tsx": ".ts", ".yaml": ".yml", ".hcl": ".tf", ".json": "deps",
                       ".toml": "deps", ".txt": "deps", ".lock": "deps", ".xml": "deps",
                       ".gradle": "deps", ".mod": "deps", ".sum": "deps", "": "deps"}  # fmt: skip

# -- merge requests -------------------------------------------------------------------------------

#: Change kinds with their label and title templates.
MR_KINDS: Final = {
    "bug": ("bug", (
        "Fix {m} timeout under load", "Fix off-by-one in {m} pagination", "Handle missing {m} gracefully",
        "Fix typo in {m} error message", "Fix crash when {m} is empty", "Return 404 for unknown {m}",
        "Fix rounding error in {m} totals", "Fix race condition in {m} worker",
        "Fix time zone handling in {m}", "Validate {m} input before saving",
    )),
    "feature": ("feature", (
        "Add {m} export endpoint", "Add filtering to {m} list", "Support bulk update of {m}",
        "Add {m} webhook", "Introduce {m} feature flag", "Add search to {m}", "Add audit trail for {m}",
        "Expose {m} metrics", "Add {m} API v2", "Allow users to archive {m}",
    )),
    "refactor": ("refactor", (
        "Refactor {m} into a service object", "Extract {m} client", "Simplify {m} retry logic",
        "Remove dead code in {m}", "Split {m} module", "Replace hand-rolled {m} cache",
    )),
    "perf": ("performance", (
        "Fix N+1 query in {m} list", "Cache {m} lookups", "Batch {m} writes",
        "Speed up {m} serialization", "Add index for {m} queries", "Stream {m} export instead of buffering",
    )),
    "security": ("security", (
        "Escape user input in {m}", "Enforce authorization on {m} endpoint", "Rotate {m} signing keys",
        "Rate-limit {m} requests", "Redact secrets in {m} logs", "Upgrade TLS settings for {m}",
    )),
    "migration": ("database", (
        "Create {m} table", "Add index on {m} created_at", "Backfill {m} foreign keys",
        "Add NOT NULL constraint to {m}", "Partition {m} by month",
    )),
    "docs": ("documentation", (
        "Document {m} configuration", "Fix outdated {m} docs", "Add runbook for {m}",
        "Update README for {m}", "Explain {m} architecture",
    )),
    "ci": ("ci", (
        "Cache dependencies in CI", "Split CI test job", "Run {m} tests in parallel",
        "Add lint stage", "Pin CI image versions", "Speed up Docker build",
    )),
    "tech-debt": ("tech-debt", (
        "Remove deprecated {m} API", "Drop unused {m} columns", "Upgrade {m} to the new SDK",
        "Replace {m} TODOs with issues",
    )),
}  # fmt: skip

ONE_LINE_DESCRIPTIONS: Final = (
    "Small fix, see title.", "Fixes the {m} bug reported in Slack.", "As discussed in standup.",
    "Quick change to {m}.", "See title", "WIP", "This fixes it.", "Follow-up to the last {m} change.",
)  # fmt: skip

UNFILLED_TEMPLATE: Final = (
    "## What does this MR do?\n\n<!-- Describe in detail what your merge request does and why. -->"
    "\n\n## Related issues\n\n<!-- Link related issues below. -->"
)

CONTEXT: Final = (
    "The {m} code path currently loads every record into memory before filtering, which times out "
    "for our largest customers.",
    "Users reported that {m} silently fails when the upstream service returns a 503.",
    "This is the first step of the {m} rework: it introduces the new code path behind a feature "
    "flag without changing behaviour.",
    "While debugging the last incident we noticed that {m} retries without any backoff.",
    "The {m} module mixes HTTP handling with business rules, which makes it hard to test.",
    "Support asked for a way to see {m} changes per account.",
)  # fmt: skip

WHY: Final = (
    "Without this, on-call has to patch data by hand every week.",
    "It unblocks the next milestone and removes a class of flaky tests.",
    "p95 latency of the endpoint is 2.3 s today; the target is 300 ms.",
    "It closes a gap found during the last security review.",
    "The current behaviour surprised three customers this month.",
)  # fmt: skip

HOW_TO_TEST: Final = (
    "1. Run `make test`\n2. Start the app locally and open the {m} page\n3. Check that the list loads",
    "1. Enable the feature flag\n2. Call the endpoint with an unknown id\n3. Expect a 404 instead of a 500",
    "- [x] Unit tests for the new branches\n- [x] Ran the migration against a staging snapshot\n- [ ] QA on staging",
    "```shell\ncurl -H \"PRIVATE-TOKEN: $TOKEN\" localhost:8080/api/v1/{f}?page=2\n```",
)  # fmt: skip

ROLLOUT: Final = (
    "## Rollout\n\nBehind the `{f}_v2` feature flag. Enable for internal accounts first, then 10 %, "
    "then everyone. Rollback: disable the flag.",
    "## Risks\n\nThe migration locks the table for about two seconds on production size; scheduled "
    "outside business hours.",
    "## Alternatives considered\n\nA background job would avoid the extra query, but adds a moving "
    "part we would need to monitor. Happy to revisit if load grows.",
)  # fmt: skip

SCREENSHOTS: Final = (
    "## Screenshots\n\n| Before | After |\n| --- | --- |\n"
    "| ![before](/uploads/{hex}/before.png) | ![after](/uploads/{hex}/after.png) |"
)

MENTION_LINES: Final = ("cc {user}", "{user} could you have a look at the API part?",
                        "Pairing with {user} on this one.", "Thanks {user} for the idea!")  # fmt: skip

# -- commits --------------------------------------------------------------------------------------

COMMIT_BODIES: Final = (
    "", "", "",
    "The previous implementation ignored the error returned by the client.",
    "Keeps the public interface unchanged.",
    "Co-authored-by: a teammate",
)  # fmt: skip
FOLLOW_UP_COMMITS: Final = ("Add tests", "Address review comments", "Fix lint", "Update docs",
                            "Apply suggestion", "Rename variables for clarity")  # fmt: skip
FIX_COMMITS: Final = ("Fix failing test", "Fix flaky spec", "Fix lint errors", "Fix type error")

# -- reviews --------------------------------------------------------------------------------------

RUBBER_STAMPS: Final = ("LGTM", ":+1:", "Looks good to me", "LGTM :rocket:", "lgtm", "Ship it!",
                        "Approved", "LGTM, thanks!")  # fmt: skip

NITS: Final = (
    "nit: missing trailing comma", "nit: typo in the comment", "nit: this import is unused",
    "nit: we usually keep constants in UPPER_CASE", "nit: trailing whitespace",
    "nit: could be a one-liner", "nit: inconsistent quote style",
)  # fmt: skip

#: Nits that only make sense in one language, by file extension group (see ``HUNK_ALIASES``).
LANG_NITS: Final = {
    ".py": ("nit: prefer f-strings here", "nit: missing return type hint",
            "nit: use `pathlib` instead of `os.path`"),
    ".rb": ("nit: prefer `&.` over `try`", "nit: missing `# frozen_string_literal: true`"),
    ".java": ("nit: this can be `final`", "nit: use `var` here, like the rest of the class"),
    ".ts": ("nit: prefer `const` here", "nit: missing return type"),
    ".go": ("nit: error strings should not be capitalized", "nit: receiver names are inconsistent"),
    ".yml": ("nit: indentation is off by two", "nit: quote the version, YAML reads 3.10 as 3.1"),
    ".md": ('nit: typo, "recieve"', "nit: we use sentence case for headings"),
}  # fmt: skip

ACTIONABLE: Final = (
    "Could we extract this into a helper? It would make the retry logic easier to test.",
    "This swallows the exception. Could we at least log it with the {m} id, so on-call can trace it?",
    "I think this needs a test for the empty case, otherwise we might regress the bug from last month.",
    "Could we move this query out of the loop? With a few thousand {m} records it becomes slow.",
    "Let's return early here, the nested ifs are hard to follow. Happy to pair if useful!",
    "We should validate the input before it reaches the database, otherwise a bad request gives a 500.",
)  # fmt: skip

QUESTIONS: Final = (
    "Why do we need the extra query here? Could we reuse the cached value?",
    "What happens if the upstream returns an empty list?",
    "Is this safe to run while the old workers are still deployed?",
    "Should this be behind the feature flag as well?",
    "Do we have a metric for this, so we can see whether it helps?",
)  # fmt: skip

#: Review comments for kinds of change where the generic ones make no sense: (actionable, questions).
KIND_REVIEWS: Final = {
    "docs": (
        ("Could we add an example request? That's usually the first thing people look for.",
         "This step is out of date since we moved to Helm, see the deploy runbook.",
         "Could we link to the runbook instead of duplicating the steps here?"),
        ("Is this still true for the v2 API?", "Who is the audience here, on-call or new joiners?"),
    ),
    "ci": (
        ("Can we pin this to a specific image version? `latest` broke us last month.",
         "This job runs on every push; could we restrict it with `rules: changes`?",
         "Let's cache the dependencies between jobs, it would save a few minutes per pipeline."),
        ("Does this still work on the shared runners?", "Will this change the required status checks?"),
    ),
    "renovate": (
        ("The changelog mentions a breaking change in the config loader, let's check our usage first.",),
        ("Is this covered by the integration tests?",),
    ),
}  # fmt: skip

#: (comment, code) pairs by file extension group; the code becomes a ```suggestion:-0+0``` block.
SUGGESTIONS: Final = {
    ".py": (("Small simplification:", "    timeout = settings.REQUEST_TIMEOUT"),
            ("We can use the helper here:", "    return paginate(query, per_page=per_page)"),
            ("This reads better to me:", "    if not items:\n        return []")),
    ".rb": (("Slightly more idiomatic:", "    return if record.nil?"),
            ("Use the scope we already have:", "    Invoice.overdue.find_each do |invoice|")),
    ".java": (("We can avoid the null check:", "        return repository.findById(id).orElseThrow();"),
              ("Suggest a clearer name:", "        int remainingAttempts = maxAttempts - attempt;")),
    ".ts": (("Simpler with optional chaining:", "  const name = user?.profile?.name ?? '';"),
            ("Let's keep it typed:", "export function formatAmount(cents: number): string {")),
    ".go": (("Wrap the error for context:", '\t\treturn nil, fmt.Errorf("load %s: %w", id, err)'),
            ("Use the constant:", "\tlimit := defaultLimit")),
    ".yml": (("Pin the image:", "  image: python:3.12.4-slim"),
             ("Only run when relevant:", '  rules:\n    - changes: ["app/**/*"]')),
    ".md": (("Clearer wording:", "Set `REQUEST_TIMEOUT` (in seconds) to override the default of 30."),),
    ".tf": (("Enable deletion protection:", "  deletion_protection = true"),),
    ".sql": (("Avoid locking the table:",
              "CREATE INDEX CONCURRENTLY idx_items_created_at ON items (created_at);"),),
}  # fmt: skip

MENTORING: Final = (
    "Nice work! For context: we keep I/O at the edges so the core stays pure. There's a section on "
    "this in docs/architecture. Happy to walk you through it.",
    "This works, but it's a good opportunity to look at the repository pattern we use in {m}. Want to "
    "pair on it tomorrow? I'll open a follow-up issue so it doesn't block this MR.",
    "Great first change here! One learning: prefer a parametrized test over three copies. I left a "
    "suggestion below.",
)  # fmt: skip

DEEP_REVIEW: Final = (
    "This query runs once per row; with 10k {m} records that's an N+1. Could we preload the "
    "association? I measured 1.8 s locally on the seed data.",
    "Security: the id comes from the request and is used without an ownership check, so any user "
    "can read another account's {m}. Let's scope the lookup by current account.",
    "Design question: if we put this in the {m} service, the API and the worker share it and we "
    "avoid the duplicated validation. What do you think?",
    "This changes the public contract of the endpoint. Let's add it to the changelog and give the "
    "mobile team a heads-up, they cache this response.",
    "The migration will lock the table on production size. Can we add the index concurrently and "
    "backfill in batches?",
)  # fmt: skip

AUTHOR_AGREES: Final = ("Good catch, fixed in {sha}.", "Done in {sha}.", "Thanks! Updated in {sha}.",
                        "Agreed, changed in {sha}.", "Fixed :+1:")  # fmt: skip
AUTHOR_DISCUSSES: Final = (
    "I'd rather keep it as is: the helper would only have one caller. Happy to change it if you feel "
    "strongly though.",
    "Good point. It's out of scope here, I opened a follow-up issue.",
    "It's safe: the old workers ignore the new column. I tested the rolling deploy on staging.",
    "Yes, the upstream can return an empty list; that's covered by the second test case.",
)  # fmt: skip
REVIEWER_FOLLOW_UPS: Final = ("Thanks!", "Makes sense.", "Perfect, resolving.", "Sounds good :+1:",
                              "Fair enough.")  # fmt: skip

GENERAL_COMMENTS: Final = (
    "Rebased on main.", "Pipeline is green now.", "I'll merge once the pipeline passes.",
    "Updated the description with a test plan.", "{user} this touches your area, FYI.",
)  # fmt: skip

REVIEW_REQUEST_PINGS: Final = ("{user} could you take a look when you have a moment?",
                               "{user} friendly ping :slight_smile:")  # fmt: skip

INTERNAL_NOTES: Final = (
    "Internal: this affects the Enterprise customer from ticket ZD-4821, please don't mention them "
    "publicly.",
    "Internal: security-sensitive, keep details out of the public changelog.",
    "Internal: legal approved the data retention change.",
)  # fmt: skip

CI_REPORT: Final = (
    "## :white_check_mark: Test report\n\n**{passed}** tests passed, **0** failed. "
    "Coverage **{coverage}%** ({delta})."
)
CI_FAILURE: Final = ":x: Pipeline failed for `{sha}`: job `{job}` failed.\n\n```\n{line}\n```"
CI_JOBS: Final = ("test", "lint", "build", "unit-tests", "integration-tests", "typecheck")
CI_FAILURE_LINES: Final = (
    "AssertionError: expected 200, got 500",
    "E   TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'",
    "error: unused variable `result`",
    "FAILED tests/api/test_export.py::test_pagination - KeyError: 'next'",
    "Error: Timed out in waitFor after 1000ms",
)  # fmt: skip

# -- dependency updates ------------------------------------------------------------------------

DEPENDENCIES: Final = {
    "python": ("sqlalchemy", "pydantic", "requests", "celery", "pytest", "structlog", "fastapi"),
    "ruby": ("rails", "sidekiq", "puma", "rspec-rails", "rubocop", "pg", "faraday"),
    "java": ("spring-boot", "jackson-databind", "junit-jupiter", "hibernate-core", "mockito-core"),
    "typescript": ("react", "typescript", "vite", "eslint", "@tanstack/react-query", "vitest"),
    "go": ("github.com/jackc/pgx/v5", "golang.org/x/net", "github.com/stretchr/testify",
           "go.uber.org/zap"),
    "infra": ("hashicorp/aws", "prometheus-community/kube-prometheus-stack", "hashicorp/helm",
              "ingress-nginx"),
}  # fmt: skip

RENOVATE_DESCRIPTION: Final = (
    "This MR contains the following updates:\n\n| Package | Change |\n|---|---|\n"
    "| {dep} | `{old}` -> `{new}` |\n\n---\n\n### Configuration\n\n"
    "📅 **Schedule**: Branch creation - At any time (no schedule defined), Automerge - At any time "
    "(no schedule defined).\n\n🚦 **Automerge**: Disabled by config. Please merge this manually once "
    "you are satisfied.\n\n♻ **Rebasing**: Whenever MR becomes conflicted, or you tick the "
    "rebase/retry checkbox.\n\n---\n\n - [ ] <!-- rebase-check -->If you want to rebase/retry this "
    "MR, check this box\n\n---\n\nThis MR has been generated by "
    "[Renovate Bot](https://github.com/renovatebot/renovate)."
)
RENOVATE_CLOSED: Final = (
    "### Renovate Ignore Notification\n\nBecause you closed this MR without merging, Renovate will "
    "ignore this update (`{new}`). You will get an MR once a newer version is released."
)

# -- issues ---------------------------------------------------------------------------------------

ISSUE_KINDS: Final = {
    "bug": ("bug", (
        "{m} returns 500 for archived accounts", "{m} page is blank in Safari",
        "Duplicate {m} entries after retry", "{m} export misses the last page",
        "Wrong currency shown in {m}", "{m} times out for large accounts",
    )),
    "feature": ("feature", (
        "Allow filtering {m} by date", "Bulk actions for {m}", "Notify owners when {m} changes",
        "Expose {m} in the public API", "Let admins configure {m}",
    )),
    "tech-debt": ("tech-debt", (
        "Remove the legacy {m} code path", "Upgrade {m} dependencies", "Add missing tests for {m}",
        "Consolidate {m} error handling",
    )),
    "docs": ("documentation", (
        "Document {m} limits", "{m} runbook is outdated", "Add onboarding guide for {m}",
    )),
    "perf": ("performance", (
        "{m} endpoint p95 above 1 s", "Slow {m} query on the dashboard", "{m} worker uses too much memory",
    )),
    "security": ("security", (
        "{m} leaks internal ids in error messages", "Missing authorization check on {m}",
        "{m} tokens never expire",
    )),
    "ci": ("ci", (
        "Flaky {m} test in CI", "CI takes 25 minutes on {m} changes", "Nightly pipeline fails on {m}",
    )),
}  # fmt: skip

ISSUE_SUMMARIES: Final = (
    "Seen in production since Tuesday's deploy.", "Reported by two customers via support.",
    "Came up in the retrospective.", "Found while working on the {m} changes.",
    "Product wants this for the next release.",
)  # fmt: skip

ISSUE_STEPS: Final = (
    "## Steps to reproduce\n\n1. Log in as an admin\n2. Open {m}\n3. Click *Export*\n\n"
    "## Expected\n\nA CSV with every row.\n\n## Actual\n\nThe last page is missing.",
    "## Problem\n\n{m} does not handle retries idempotently.\n\n## Proposal\n\nStore an "
    "idempotency key and skip duplicates.\n\n## Acceptance criteria\n\n- [ ] No duplicates after a "
    "retry\n- [ ] Covered by a test",
    "## Context\n\nThe {m} code has no owner since the reorg.\n\n## Proposal\n\nDocument the flows "
    "and add the missing tests before we change anything.",
)  # fmt: skip

PARENT_TITLES: Final = ("Rework {m}", "{m} v2", "Migrate {m} to the new platform",
                        "Make {m} multi-tenant", "Split {m} out of the monolith")  # fmt: skip
PARENT_GOALS: Final = (
    "## Goal\n\nMove {m} to the new data model so we can serve enterprise accounts.\n\n"
    "## Why\n\nThe current design caps us at one region and blocks the billing roadmap.",
    "## Goal\n\nReplace the legacy {m} code path, one slice at a time, with no downtime.\n\n"
    "## Out of scope\n\nUI changes; they follow in a separate issue.",
    "## Goal\n\nMake {m} observable and owned: metrics, alerts, a runbook.\n\n"
    "## Success criteria\n\nOn-call can answer \"is {m} healthy?\" in under a minute.",
)  # fmt: skip
CHILD_TITLES: Final = (
    "{m}: design the new schema", "{m}: add the API endpoints", "{m}: migrate existing data",
    "{m}: update the UI", "{m}: write the runbook", "{m}: remove the old code path",
)  # fmt: skip
TASK_TITLES: Final = ("Rotate {m} credentials", "Clean up stale {m} branches",
                      "Review {m} alerts", "Update {m} on-call notes")  # fmt: skip

ISSUE_QUESTIONS: Final = (
    "{user} do you know why {m} was built this way? I couldn't find a design doc.",
    "Is this still happening after yesterday's deploy?",
    "Which environment is this? I can't reproduce it on staging.",
    "{user} should this go into the current milestone?",
    "Is there a workaround we can give support in the meantime?",
)  # fmt: skip
ISSUE_ANSWERS: Final = (
    "{user} yes: we had to stay compatible with the mobile app v1. That constraint is gone now, "
    "so feel free to simplify. I'll add a note to the docs.",
    "{user} it's production only; the bug needs more than 10k rows. The seed script can generate them.",
    "{user} I think so, it blocks the billing work. Let's pair on it Thursday.",
    "{user} support can re-run the export with `?per_page=100` until the fix is out.",
)  # fmt: skip
ISSUE_THANKS: Final = ("Thanks, that helps!", "Got it, thanks {user}.", "Perfect, thank you!")
STATUS_UPDATES: Final = (
    "Status update: root cause found, MR coming today.",
    "Quick update: the first part is merged, the migration goes out tomorrow.",
    "I'm picking this up this week.", "Blocked on the API change in {m}, will resume next week.",
    "Investigated: this only affects accounts created before 2021.",
)  # fmt: skip
ISSUE_PINGS: Final = ("{user} could you take a look?", "{user} FYI, this touches your area.",
                      "{user} I think you worked on this last, any ideas?")  # fmt: skip
FIXED_IN: Final = ("Fixed in !{iid}, will be in the next release.", "Closing, !{iid} is merged.")

# -- incidents -----------------------------------------------------------------------------------

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

# -- misc ----------------------------------------------------------------------------------------

MR_EMOJI: Final = ("thumbsup", "thumbsup", "rocket", "tada", "eyes", "heart")
NOTE_EMOJI: Final = ("thumbsup", "thumbsup", "eyes", "tada", "100")
