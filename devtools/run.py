"""``make run`` and ``make run-native``: serve the order service with a database.

    python -m devtools.run wasm|native

Uses DATABASE_URL if set; otherwise the MariaDB at 127.0.0.1:3306 (creating the
``orders`` database), or a private mariadbd started for this run and stopped
when it ends.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from devtools.mariadb import MariaDBNotFound, MariaDBServer, locate_or_start
from devtools.servers import KINDS, ServerFailed, ServerProcess, command

DEFAULT_DATABASE = "orders"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=KINDS)
    args = parser.parse_args()
    port = int(os.environ.get("PORT", "8080"))

    database_url = os.environ.get("DATABASE_URL")
    mariadb: MariaDBServer | None = None
    if not database_url:
        try:
            mariadb = locate_or_start()
        except MariaDBNotFound as error:
            print(error, file=sys.stderr)
            return 1
        mariadb.create_database(DEFAULT_DATABASE)
        database_url = mariadb.url(DEFAULT_DATABASE)

    server = ServerProcess(args.kind, port, {"DATABASE_URL": database_url}, host=os.environ.get("HOST", "127.0.0.1"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(f"run: {' '.join(command(args.kind))}", file=sys.stderr)
        seconds = server.start()
        print(
            f"run: {args.kind} order service answering on http://127.0.0.1:{port} after {seconds:.2f} s "
            "(Ctrl-C stops it)",
            file=sys.stderr,
            flush=True,
        )
        assert server.process is not None
        return server.process.wait()
    except ServerFailed as error:
        print(f"run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        if mariadb is not None:
            mariadb.stop()


if __name__ == "__main__":
    sys.exit(main())
