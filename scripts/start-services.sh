# Sourced by scripts/test.sh and scripts/with-services.sh (expects $results, a folder for logs):
# starts the services the tests need and leaves $service_failures set.
#
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
    # CAIRN_SERVICES="postgres s3rver" starts only those (the 10- installers always run).
    name=$(basename "$service" .sh)
    if [ -n "${CAIRN_SERVICES:-}" ] && [[ "$name" != 10-* ]] && ! [[ " $CAIRN_SERVICES " == *" ${name#*-} "* ]]; then
        continue
    fi
    # shellcheck source=/dev/null
    if ! source "$service"; then
        echo "service $(basename "$service" .sh) did not start; its tests will fail (logs in $results/)"
        service_failures=$((service_failures + 1))
    fi
done

