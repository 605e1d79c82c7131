"""The order service: a host-agnostic core shared by the native and wasm adapters."""

__version__ = "0.1.0"
