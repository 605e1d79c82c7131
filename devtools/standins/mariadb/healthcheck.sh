#!/bin/bash
# The checks of the official image's healthcheck.sh that docker-compose.yml
# uses, as the healthcheck user the entrypoint created:
#   --connect              the server answers on TCP
#   --innodb_initialized   InnoDB is up
set -euo pipefail

query() {
    mariadb --defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf --protocol=tcp -h 127.0.0.1 \
        --skip-column-names -e "$1"
}

for check in "$@"; do
    case $check in
        --connect) query 'SELECT 1' >/dev/null ;;
        --innodb_initialized)
            [ "$(query "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB'
                AND support IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ] ;;
        *) echo "healthcheck.sh: no check $check here" >&2; exit 2 ;;
    esac
done
