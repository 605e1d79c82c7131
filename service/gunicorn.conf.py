"""gunicorn settings for the native twin, read from the environment at start.

Worker model: gevent workers, one per core. Each connection is a greenlet,
so a slow or idle client holds a greenlet, never a worker: the server stays
responsive with hundreds of stalled connections, which threads in a fixed
pool could not do. PyMySQL is pure Python, so gevent's patched sockets make
its database waits cooperative too. Protocol errors are answered as the
service's JSON errors (gunicorn_worker.py).
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)))
worker_class = "gunicorn_worker.JSONErrorsGeventWorker"
# Connections per worker, idle ones included; more wait in the listen backlog.
worker_connections = 1000
# An idle keep-alive connection, or a request head still arriving, gets this long.
keepalive = 5
accesslog = None
# gunicorn's own lines (boot, worker exits) as JSON on stderr, like the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}",
            "style": "{",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        }
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}
graceful_timeout = 10
# The control socket lives in $HOME by default: several servers would share it,
# and the native image's unprivileged user has no home to write to.
control_socket_disable = True


def worker_exit(server: object, worker: object) -> None:
    """Close the worker's database connections with a goodbye, so MariaDB
    counts no aborted connection."""
    from wsgi_adapter import app  # noqa: PLC0415  the worker's own app, loaded after fork

    app.close()
