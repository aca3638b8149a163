# Google Cloud Storage emulator: the Cloud Storage emulator of firebase-tools (npm, pinned), which
# serves GCS's JSON API (media, multipart and resumable uploads, ranged reads, list, delete), started
# through scripts/services/gcs-emulator.js on a free loopback port. It creates a bucket on first use
# and checks no credentials, so the gs:// tests cover neither a missing bucket nor wrong credentials.
# --ignore-scripts: the emulator needs none of the native add-ons firebase-tools builds for other
# commands (re2 alone compiles for many minutes when its prebuilt binary cannot be downloaded).
gcs_tools=".test-tools/firebase"
if [ ! -f "$gcs_tools/node_modules/firebase-tools/lib/emulator/storage/index.js" ]; then
    if ! command -v npm > /dev/null; then apt_install nodejs npm; fi
    echo "Installing firebase-tools (Cloud Storage emulator) from npm…"
    npm install --prefix "$gcs_tools" --no-audit --no-fund --no-save --ignore-scripts firebase-tools@15.34.2 \
        > "$results/npm-install-firebase.log" 2>&1 || { echo "npm install failed; see $results/npm-install-firebase.log"; false; }
fi
gcs_port=$(free_port)
gcs_tmp=$(mktemp -d -t cairn-gcs-XXXXXX)
# The emulator keeps uploads in progress under the temporary folder; give it its own.
TMPDIR="$gcs_tmp" node scripts/services/gcs-emulator.js "$gcs_tools" 127.0.0.1 "$gcs_port" > "$results/gcs.log" 2>&1 &
gcs_pid=$!
on_exit "kill $gcs_pid 2>/dev/null; wait $gcs_pid 2>/dev/null; rm -rf '$gcs_tmp'"
if wait_for_port "$gcs_port" 60; then
    export CAIRN_TEST_GCS_ENDPOINT="http://127.0.0.1:$gcs_port"
else
    echo "The Cloud Storage emulator did not start; see $results/gcs.log"
    false
fi
