#!/usr/bin/env bash
# samples/AotQuickstart (register, query, download) as a Native AOT binary beside the same program
# under the JIT, against a Release server started here: the time from the process's start to the
# server's first answer (printed by the sample) and the peak RSS (GNU time). Prints a Markdown
# table on stdout, progress on stderr. Not part of the test suite; figures depend on the machine.
#   bench/aot-sample.sh [runs]      (default 5 runs of each; clang and zlib1g-dev needed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${1:-5}"
work="$(mktemp -d)"
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
server_pid=

dotnet build -c Release src/Cairn.Server >&2
dotnet build -c Release samples/AotQuickstart >&2
dotnet publish -c Release -r linux-x64 -o "$work/aot" samples/AotQuickstart >&2

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=$(port); web=$(port); files=$(port)
access=BENCHACCESSKEY00000000000001; secret=bench-secret-key-0123456789abcdefghijklmnop
dotnet src/Cairn.Server/bin/Release/net10.0/Cairn.Server.dll --Cairn:DataDir="$work/data" \
    --Cairn:ApiPort="$api" --Cairn:WebPort="$web" --Cairn:FilesPort="$files" \
    --Cairn:JwtSigningKey=bench-signing-key-0123456789abcdefghijklmnopqrstuvwxyz \
    --Logging:LogLevel:Default=Warning \
    --Cairn:Users:0:Username=bench --Cairn:Users:0:Password=bench-password --Cairn:Users:0:Role=user \
    --Cairn:Credentials:0:AccessKey=$access --Cairn:Credentials:0:SecretKey=$secret --Cairn:Credentials:0:User=bench \
    > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$api/debug.ping" > /dev/null 2>&1 && break; sleep 0.3; done

export HOME="$work/home" CLEARML_CONFIG_FILE="$work/home/clearml.conf" CLEARML_CACHE_DIR="$work/home/cache" \
    CLEARML_API_HOST="http://127.0.0.1:$api" CLEARML_FILES_HOST="http://127.0.0.1:$files" CLEARML_WEB_HOST="http://127.0.0.1:$web" \
    CLEARML_API_ACCESS_KEY=$access CLEARML_API_SECRET_KEY=$secret
mkdir -p "$HOME" && echo "# configured through the environment" > "$CLEARML_CONFIG_FILE"

# measure NAME COMMAND…: runs it $runs times; prints the median first-answer ms and peak RSS MiB.
measure() {
    local name=$1; shift
    local answers=() rss=() i out
    for i in $(seq "$runs"); do
        out=$(/usr/bin/time -v "$@" "bench-$name-$i" 2> "$work/time.txt")
        answers+=("$(sed -n 's/.*first answer after \([0-9]*\) ms.*/\1/p' <<<"$out")")
        rss+=("$(awk '/Maximum resident set size/ { printf "%.1f", $6 / 1024 }' "$work/time.txt")")
    done
    median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
    echo "| $name | $(median "${answers[@]}") | $(median "${rss[@]}") | $(wc -c < "${size_of:-/dev/null}" | awk '{ printf "%.1f", $1 / 1048576 }') |"
}
echo "| mode | start to first answer (ms, median of $runs) | peak RSS (MiB, median) | the sample's own file (MiB) |"
echo "|---|---|---|---|"
size_of="$work/aot/AotQuickstart" measure "Native AOT" "$work/aot/AotQuickstart"
size_of=samples/AotQuickstart/bin/Release/net10.0/AotQuickstart.dll measure "JIT (dotnet exec)" dotnet exec samples/AotQuickstart/bin/Release/net10.0/AotQuickstart.dll
