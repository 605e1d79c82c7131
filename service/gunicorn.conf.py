"""gunicorn settings for the native twin, read from the environment at start."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)))
# gthread keeps client connections alive, as wasmtime serve does.
worker_class = "gthread"
threads = int(os.environ.get("THREADS_PER_WORKER", "1"))
accesslog = None
errorlog = "-"
graceful_timeout = 10
# The control socket lives in $HOME by default: several servers would share it,
# and the native image's unprivileged user has no home to write to.
control_socket_disable = True
