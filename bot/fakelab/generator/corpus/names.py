"""Who works where: people's names, the group, its subgroup and the project catalogue."""

from __future__ import annotations

from typing import Final

# -- people ---------------------------------------------------------------------------------------

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
EMAIL_DOMAIN: Final = "acme.example.com"

# -- groups and projects --------------------------------------------------------------------------

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
