"""What the repositories hold: file paths by stack, diff hunks by file type, dependencies."""

from __future__ import annotations

from typing import Final

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

# -- diff hunks -----------------------------------------------------------------------------------

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

# -- dependencies ---------------------------------------------------------------------------------

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
