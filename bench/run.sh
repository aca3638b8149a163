#!/usr/bin/env bash
# Builds the server and the benchmark in Release and runs the benchmark; prints a Markdown report
# on stdout (progress on stderr). Not part of the test suite: it takes about two minutes and
# its figures depend on the machine. Arguments are passed to the benchmark, e.g.
#   bench/run.sh --duration 5 --no-wrk
#   bench/run.sh > /tmp/bench.md
#   bench/run.sh --models             # models.get_all over 100,000 models against hand-written SQL (~70 s)
#   bench/run.sh --files              # 1 GiB upload and download through the file server against cp and curl floors (~2 min, 4 GiB of disk)
#   bench/run.sh --events             # events.add_batch throughput and the scalar histogram over 1,000,000 points
#   bench/run.sh --models --postgres "Host=…;Username=…"   # the same on a fresh PostgreSQL database, against hand-written PostgreSQL SQL
#   bench/run.sh --events --postgres "Host=…;Username=…"   # likewise for the events benchmark
#   bench/run.sh --hardening          # projects.get_all p99 under pathological regex queries; CPU per refused Basic auth (~1 min)
#   bench/run.sh --sdk                # the .NET SDK's 1 GiB upload, cold and warm download against curl (~2 min, 4 GiB of disk)
#   bench/run.sh --stores             # on s3rver, Azurite and the GCS emulator (started here): 1 GiB SDK upload and cold download against
#                                     # curl floors (sigv4 / SAS / media), peak RSS, bytes sent again by an upload resumed after a kill at 50 %
#                                     # (--file-mib N, --rounds N; ~10 min, 6 GiB of disk)
#   bench/run.sh --replicas --postgres "Host=…;Username=…"   # one and two replicas on one PostgreSQL, mixed writes, losses counted (~2 min)
#   bench/run.sh --cli                # the cairn CLI: --help start-up, models list over 100,000 models, 1 GiB upload/download against curl (~4 min, 3 GiB of disk)
#   bench/run.sh --cli --runs 5 --count 2000 --file-mib 16   # a quick smoke run
#   bench/run.sh --published --no-wrk # the server benchmark against scripts/publish.sh's single-file binary (the deployed form)
#   bench/run.sh --web                # the web UI's model table over 100,000 models in Chromium (Playwright) (~5 min)
#   bench/run.sh --web --runs 5       # arguments after --web go to bench/Cairn.Bench.Web
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Build output goes to stderr so stdout holds only the report.
if [ "${1:-}" = "--stores" ]; then
    dotnet build -c Release bench/Cairn.Bench.Sdk >&2
    CAIRN_SERVICES="s3rver azurite gcs" exec scripts/with-services.sh bench/Cairn.Bench.Sdk/bin/Release/net10.0/Cairn.Bench.Sdk "$@"
fi
if [ "${1:-}" = "--sdk" ]; then
    shift
    dotnet build -c Release src/Cairn.Server >&2
    dotnet build -c Release bench/Cairn.Bench.Sdk >&2
    exec bench/Cairn.Bench.Sdk/bin/Release/net10.0/Cairn.Bench.Sdk "$@"
fi
if [ "${1:-}" = "--published" ]; then
    shift
    binary="$(scripts/publish.sh)"
    dotnet build -c Release bench/Cairn.Bench >&2
    exec bench/Cairn.Bench/bin/Release/net10.0/Cairn.Bench "$binary" "$@"
fi
dotnet build -c Release src/Cairn.Server >&2
if [ "${1:-}" = "--cli" ]; then
    # Published framework-dependent for this machine's runtime, so the project's ReadyToRun
    # setting applies (the portable tool package is JIT-only: pass --cli-binary to time that).
    dotnet publish -c Release -r linux-x64 --self-contained false src/Cairn.Cli -o artifacts/bench-cli -v q -nologo >&2
    dotnet build -c Release bench/Cairn.Bench >&2
    exec bench/Cairn.Bench/bin/Release/net10.0/Cairn.Bench --cli-binary "$root/artifacts/bench-cli/Cairn.Cli" "$@"
fi
if [ "${1:-}" = "--web" ]; then
    shift
    dotnet build -c Release bench/Cairn.Bench.Web >&2
    exec bench/Cairn.Bench.Web/bin/Release/net10.0/Cairn.Bench.Web "$@"
fi
dotnet build -c Release bench/Cairn.Bench >&2
exec bench/Cairn.Bench/bin/Release/net10.0/Cairn.Bench "$@"
