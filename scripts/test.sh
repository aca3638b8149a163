#!/usr/bin/env bash
# The one test command: builds the solution, starts what the tests need, runs every test project
# and ends with one line "N passed, N failed". Needs only the .NET SDK; anything else a test
# needs is installed here (apt/npm) when missing.
set -uo pipefail
cd "$(dirname "$0")/.."

results=".test-results"
rm -rf "$results"
mkdir -p "$results"

# Services. Each scripts/services/*.sh is sourced in turn (in name order: 10- installs, 20- starts): it installs its service when missing
# (apt/npm), starts it in the background, exports what the tests read (CAIRN_TEST_*), and
# registers its stop command with on_exit. A service that cannot start fails the run: the tests
# that need it fail rather than skip.
exit_hooks=()
on_exit() { exit_hooks+=("$1"); }
cleanup() {
    local i
    for ((i = ${#exit_hooks[@]} - 1; i >= 0; i--)); do eval "${exit_hooks[$i]}" || true; done
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
apt_updated=false
# apt_install PACKAGE…: installs Debian packages (one apt-get update per run), logging to .test-results.
apt_install() {
    if [ "$apt_updated" = false ]; then
        $apt_get update > "$results/apt-update.log" 2>&1 || true
        apt_updated=true
    fi
    DEBIAN_FRONTEND=noninteractive $apt_get install -y --no-install-recommends "$@" >> "$results/apt-install.log" 2>&1
}
# free_port: prints a TCP port nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000)); }
# wait_for_port PORT SECONDS: waits until something listens on 127.0.0.1:PORT.
wait_for_port() {
    local port=$1 deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
service_failures=0
for service in scripts/services/*.sh; do
    [ -e "$service" ] || continue
    # shellcheck source=/dev/null
    if ! source "$service"; then
        echo "service $(basename "$service" .sh) did not start; its tests will fail (logs in $results/)"
        service_failures=$((service_failures + 1))
    fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! dotnet build Cairn.slnx --configuration Debug -warnaserror > "$results/build.log" 2>&1; then
    grep -E ": error " "$results/build.log" | sort -u | head -n 40
    echo "The build failed; the whole log is in $results/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "Build succeeded."

# A hung test is dumped and fails the run instead of eating CI's time. Test projects run one at a
# time (-m:1): in parallel, the hardening fuzz, the crash test and the real-SDK scripts load the
# 2 cores while Chromium drives the web UI, and browser waits timed out; serial costs about 2 min.
dotnet test Cairn.slnx --no-build -m:1 \
    --logger "trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" \
    --blame-hang-timeout 5m
test_status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
done

# A run that aborted (crash, hang) counts as a failure even if its counters look clean.
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
failed=$((failed + service_failures))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
