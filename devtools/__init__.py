"""Developer tooling: find a database, start the servers, serve for `make run`."""
