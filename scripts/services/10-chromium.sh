# The web UI's end-to-end tests drive Debian's Chromium through Playwright (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
    echo "Installing chromium for the web UI tests…"
    apt_install chromium || { echo "chromium could not be installed; see $results/apt-install.log"; false; }
fi
