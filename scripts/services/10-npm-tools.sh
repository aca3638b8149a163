# Node-based emulators for the object-storage tests, installed from npm into .test-tools/ (pinned).
# s3rver serves S3 (and GCS through its S3-compatible XML API); Azurite is Microsoft's Azure emulator.
npm_tools=".test-tools"
if [ ! -x "$npm_tools/node_modules/.bin/s3rver" ] || [ ! -x "$npm_tools/node_modules/.bin/azurite-blob" ]; then
    if ! command -v npm > /dev/null; then apt_install nodejs npm; fi
    echo "Installing s3rver and Azurite from npm…"
    npm install --prefix "$npm_tools" --no-audit --no-fund --no-save s3rver@3.7.1 azurite@3.37.0 \
        > "$results/npm-install.log" 2>&1 || { echo "npm install failed; see $results/npm-install.log"; false; }
fi
