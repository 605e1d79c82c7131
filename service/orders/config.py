"""Settings read from the environment, lazily.

Inside a componentize-py component the module's top level runs at build time,
so nothing here reads ``os.environ`` on import: `Settings.from_env` is called
on the first request that needs it.

Each setting declares its environment variable next to its field, once.
`ENVIRONMENT` lists them; the serve scripts, the README and the sandbox test
are checked against it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

ACCEPTED_SCHEMES = {"mysql": "mysql+pymysql", "mysql+pymysql": "mysql+pymysql"}
# A DNS name, an IPv4 address, or an IPv6 address (SQLAlchemy strips its brackets).
_HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")


class ConfigError(Exception):
    """The environment does not describe a usable configuration."""


def _variable(name: str, description: str, parse: Callable[[str, str], Any], default: Any = None) -> Any:
    """A dataclass field read from the environment variable `name`."""
    return field(default=default, metadata={"env": name, "description": description, "parse": parse})


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}")
    return value


def _text(name: str, raw: str) -> str:
    return raw


def _database_url(name: str, raw: str) -> str:
    return sqlalchemy_url(raw.strip())


def _origins(name: str, raw: str) -> tuple[str, ...]:
    """`*`, or comma-separated origins such as ``http://localhost:3000``."""
    origins = tuple(origin.strip().lower().rstrip("/") for origin in raw.split(",") if origin.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path):
            raise ConfigError(f"{name} must list origins like https://shop.example or http://localhost:3000, or *")
    return origins


@dataclass(frozen=True)
class Settings:
    database_url: str = _variable(
        "DATABASE_URL",
        "`mysql://user:pass@host:port/db` (`mysql+pymysql://` works too). Read on the first request, "
        "never at build time.",
        _database_url,
        default="",
    )
    db_pool_size: int = _variable(
        "ORDERS_DB_POOL_SIZE", "pooled connections per process or component instance", _positive_int, 2
    )
    db_timeout_seconds: int = _variable(
        "ORDERS_DB_TIMEOUT_SECONDS", "connect, read and write timeout", _positive_int, 5
    )
    retry_after_seconds: int = _variable(
        "ORDERS_RETRY_AFTER_SECONDS", "the `Retry-After` sent with 503", _positive_int, 2
    )
    dapr_http_port: int | None = _variable(
        "DAPR_HTTP_PORT", "turns order events on: the Dapr sidecar's HTTP port on 127.0.0.1", _positive_int
    )
    dapr_pubsub_name: str = _variable(
        "DAPR_PUBSUB_NAME", "the pub/sub component for order events", _text, "orderpubsub"
    )
    dapr_timeout_seconds: int = _variable(
        "ORDERS_DAPR_TIMEOUT_SECONDS", "timeout for each call to the sidecar", _positive_int, 2
    )
    cors_origins: tuple[str, ...] = _variable(
        "ORDERS_CORS_ORIGINS",
        "browser origins whose pages may call the API, comma-separated (`https://shop.example`), or `*`; "
        "none by default, the service's own always",
        _origins,
        (),
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every declared variable that is set and not empty; defaults for the rest."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in fields(cls):
            name = setting.metadata["env"]
            raw = env.get(name, "")
            if raw.strip():
                values[setting.name] = setting.metadata["parse"](name, raw)
        if "database_url" not in values:
            raise ConfigError("DATABASE_URL is not set (expected mysql://user:pass@host:port/db)")
        return cls(**values)


ENVIRONMENT: tuple[str, ...] = tuple(setting.metadata["env"] for setting in fields(Settings))


def documented_environment() -> list[tuple[str, str, Any]]:
    """(variable, description, default) for each setting, in declaration order."""
    return [(s.metadata["env"], s.metadata["description"], s.default) for s in fields(Settings)]


def sqlalchemy_url(database_url: str) -> str:
    """Turn the demo's ``mysql://`` form into the SQLAlchemy PyMySQL URL."""
    scheme, separator, rest = database_url.partition("://")
    if not separator or scheme.lower() not in ACCEPTED_SCHEMES:
        raise ConfigError("DATABASE_URL must start with mysql:// or mysql+pymysql://")
    if not rest.partition("?")[0].partition("/")[2]:
        raise ConfigError("DATABASE_URL must name a database, e.g. mysql://root@127.0.0.1:3306/orders")
    url = f"{ACCEPTED_SCHEMES[scheme.lower()]}://{rest}"
    # No message here repeats the URL or any part of it: it may carry a password.
    try:
        host = make_url(url).host or ""
    except (ArgumentError, ValueError):
        raise ConfigError("DATABASE_URL is malformed: check its host, port and credentials") from None
    if not _HOST.fullmatch(host):
        # A password with an unencoded @ ends up in the host, and from there
        # in every "can't connect" message.
        raise ConfigError("DATABASE_URL's host is not a host name: percent-encode any @ in the user or password as %40")
    return url
