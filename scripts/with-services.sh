#!/usr/bin/env bash
# Runs one command with the test services up (the same ones scripts/test.sh starts: PostgreSQL,
# s3rver, Azurite, Chromium, the ClearML SDK's Python), their CAIRN_TEST_* variables exported, and
# stops them after. For working on one test project:
#   scripts/with-services.sh dotnet test tests/Cairn.Store.Postgres.Tests
#   CAIRN_SERVICES="postgres" scripts/with-services.sh dotnet test tests/Cairn.Store.Postgres.Tests
# Logs go to .test-results/services.
set -uo pipefail
cd "$(dirname "$0")/.."
results=".test-results/services"
rm -rf "$results"
mkdir -p "$results"
# shellcheck source=scripts/start-services.sh
source scripts/start-services.sh
[ "$service_failures" -eq 0 ] || echo "$service_failures service(s) did not start; see $results/"
"$@"
