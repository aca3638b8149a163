#!/usr/bin/env bash
# Brings every package's PublicAPI.Unshipped.txt up to date with its code, from the build's own
# diagnostics: RS0016 (a public symbol the files do not declare) adds the symbol's line, RS0017
# (a declared symbol that is gone) removes its line, or marks it *REMOVED* when it had shipped.
# Then it builds again with warnings as errors to prove the files are complete.
#
#   scripts/update-public-api.sh              every project under src/ that has PublicAPI files
#   scripts/update-public-api.sh src/Cairn    just these (their project references are built too)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
    dirs=("${@%/}")
else
    mapfile -t dirs < <(find src -name PublicAPI.Unshipped.txt -printf '%h\n' | sort)
fi
projects=()
for dir in "${dirs[@]}"; do
    project=$(find "$dir" -maxdepth 1 -name '*.csproj' | head -n 1)
    if [ -z "$project" ] || [ ! -f "$dir/PublicAPI.Unshipped.txt" ]; then
        echo "$dir: no project with PublicAPI.Unshipped.txt" >&2
        exit 2
    fi
    projects+=("$project")
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Touching the API files makes each tracked project compile again (they are compiler inputs), so
# the analyzer reports afresh even when nothing else changed.
touch_api_files() { for dir in "${dirs[@]}"; do touch "$dir"/PublicAPI.*.txt; done; }

# Warnings, not errors, so that a project whose references have undeclared API still compiles
# and reports its own.
touch_api_files
for project in "${projects[@]}"; do
    if ! dotnet build "$project" -p:TreatWarningsAsErrors=false -nologo -clp:NoSummary >> "$log" 2>&1; then
        grep -E ': error ' "$log" | sort -u >&2
        echo "The build failed for another reason than the API files; fix that first." >&2
        exit 1
    fi
done

# Lines look like: /path/File.cs(10,39): warning RS0016: Symbol 'X -> int' is not part of the
# declared public API (https://…) [/path/Project.csproj]
diagnostic() { # CODE: prints "project<TAB>symbol" for each such diagnostic
    sed -nE "s/.*: warning $1: Symbol '(.*)' is (not part of the declared public API|part of the declared API, but is either not public or could not be found).* \[(.*\.csproj)\]\$/\3\t\1/p" "$log" | sort -u
}
changed=0
for project in "${projects[@]}"; do
    dir=$(dirname "$project")
    unshipped="$dir/PublicAPI.Unshipped.txt"
    shipped="$dir/PublicAPI.Shipped.txt"
    full=$(realpath "$project")
    mapfile -t added < <(diagnostic RS0016 | awk -F'\t' -v p="$full" '$1 == p { print $2 }')
    mapfile -t removed < <(diagnostic RS0017 | awk -F'\t' -v p="$full" '$1 == p { print $2 }')
    [ ${#added[@]} -eq 0 ] && [ ${#removed[@]} -eq 0 ] && continue
    entries=$(grep -v '^#nullable enable$' "$unshipped" || true)
    for symbol in "${removed[@]}"; do
        if grep -qxF -- "$symbol" <<<"$entries"; then
            entries=$(grep -vxF -- "$symbol" <<<"$entries" || true)   # never shipped: just drop it
        elif grep -qxF -- "$symbol" "$shipped"; then
            entries+=$'\n'"*REMOVED*$symbol"                           # shipped: record the break
        fi
    done
    for symbol in "${added[@]}"; do entries+=$'\n'"$symbol"; done
    # Sorted, so that two changes to one file rarely touch the same lines.
    { echo '#nullable enable'; grep -v '^$' <<<"$entries" | LC_ALL=C sort -u; } > "$unshipped"
    echo "$unshipped: ${#added[@]} added, ${#removed[@]} removed"
    changed=1
done
[ "$changed" -eq 0 ] && echo "The PublicAPI files are up to date."

# Proof: the normal build (warnings as errors) passes with the files as they are now.
touch_api_files
for project in "${projects[@]}"; do
    if ! dotnet build "$project" -warnaserror -nologo -clp:NoSummary > "$log" 2>&1; then
        grep -E ': error ' "$log" | sort -u >&2
        echo "$project still fails to build; see the errors above." >&2
        exit 1
    fi
done
echo "Build with warnings as errors: passed."
