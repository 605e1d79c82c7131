"""gunicorn settings for the native twin, read from the environment at start."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)))
# gthread keeps client connections alive, as wasmtime serve does.
worker_class = "gthread"
threads = int(os.environ.get("THREADS_PER_WORKER", "1"))
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
