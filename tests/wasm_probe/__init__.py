"""A test-only build of the component that runs httpx requests on demand."""
