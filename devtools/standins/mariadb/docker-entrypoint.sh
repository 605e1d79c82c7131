#!/bin/bash
# On an empty data directory: initialise it, then create the root password,
# the database, its user and the healthcheck user, on a server that listens
# on no TCP port (so no healthcheck passes before this is done). Then run the
# server in the foreground, on every address, with any arguments given.
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"

# A string literal for SQL: backslashes and single quotes escaped.
literal() {
    local value=${1//\\/\\\\}
    printf "'%s'" "${value//\'/\'\'}"
}

initialise() {
    : "${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD must be set}"
    echo "entrypoint: initialising $datadir" >&2
    mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >/dev/null
    mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --skip-networking &
    local server=$! attempt
    for attempt in $(seq 300); do
        mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 && break
        [ "$attempt" -lt 300 ] || { echo "entrypoint: the server did not start" >&2; exit 1; }
        sleep 0.1
    done
    local healthcheck_password root_password
    healthcheck_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    root_password=$(literal "$MARIADB_ROOT_PASSWORD")
    {
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_password;"
        echo "CREATE USER 'root'@'%' IDENTIFIED BY $root_password;"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        for host in 127.0.0.1 ::1 localhost; do
            echo "CREATE USER 'healthcheck'@'$host' IDENTIFIED BY '$healthcheck_password';"
        done
        if [ -n "${MARIADB_DATABASE:-}" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/\`\`}\`;"
        fi
        if [ -n "${MARIADB_USER:-}" ]; then
            echo "CREATE USER $(literal "$MARIADB_USER")@'%' IDENTIFIED BY $(literal "${MARIADB_PASSWORD:-}");"
            if [ -n "${MARIADB_DATABASE:-}" ]; then
                echo "GRANT ALL ON \`${MARIADB_DATABASE//\`/\`\`}\`.* TO $(literal "$MARIADB_USER")@'%';"
            fi
        fi
    } | mariadb --socket="$socket" -uroot
    printf '[mariadb-client]\nuser=healthcheck\npassword=%s\n' "$healthcheck_password" >"$datadir/.my-healthcheck.cnf"
    chown mysql:mysql "$datadir/.my-healthcheck.cnf"
    chmod 600 "$datadir/.my-healthcheck.cnf"
    kill "$server"
    wait "$server"
    echo "entrypoint: initialised" >&2
}

[ -d "$datadir/mysql" ] || initialise
exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --bind-address=0.0.0.0 \
    --skip-name-resolve "$@"
