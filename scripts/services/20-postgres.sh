# A throwaway PostgreSQL cluster for the PostgreSQL store and replica tests: initdb into a
# temporary folder, listening on a free loopback port (and a socket in that folder), fsync off
# because the data is thrown away. Tests connect with CAIRN_TEST_POSTGRES as a superuser role and
# create a database of their own each.
pg_bin=""
pg_find_bin() {
    if command -v pg_ctl > /dev/null && command -v initdb > /dev/null; then
        pg_bin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
        return 0
    fi
    # Debian keeps the server binaries out of PATH, one folder per major version.
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && pg_bin="$dir"
}
pg_start() {
    if ! pg_find_bin; then
        echo "Installing PostgreSQL for the PostgreSQL store tests…"
        apt_install postgresql || { echo "PostgreSQL could not be installed; see $results/apt-install.log"; return 1; }
        pg_find_bin || { echo "PostgreSQL was installed but initdb/pg_ctl were not found"; return 1; }
    fi
    local pg_port pg_dir pg_password
    pg_port=$(free_port)
    pg_dir=$(mktemp -d -t cairn-postgres-XXXXXX)
    pg_password="cairn-test-$RANDOM$RANDOM"
    # PostgreSQL refuses to run as root: as root, run it as the postgres user Debian's package
    # creates (or a user of our own when the binaries came from elsewhere).
    pg_as=()
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres > /dev/null || useradd --system --no-create-home postgres
        chown postgres "$pg_dir"
        pg_as=(runuser -u postgres --)
    fi
    printf '%s\n' "$pg_password" > "$pg_dir/pwfile"
    chmod 600 "$pg_dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir/pwfile"
    if "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U cairn --pwfile="$pg_dir/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 > "$results/postgres-initdb.log" 2>&1 \
        && "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_dir \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            > "$results/postgres-start.log" 2>&1; then
        rm -f "$pg_dir/pwfile"
        on_exit "${pg_as[*]} '$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate -w stop > /dev/null 2>&1; cp '$pg_dir/postgres.log' '$results/postgres.log' 2>/dev/null; rm -rf '$pg_dir'"
        export CAIRN_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=cairn;Password=$pg_password;Database=postgres"
    else
        cp "$pg_dir/postgres.log" "$results/postgres.log" 2> /dev/null
        echo "PostgreSQL did not start; see $results/postgres-initdb.log, postgres-start.log and postgres.log"
        rm -rf "$pg_dir"
        return 1
    fi
}
pg_start
