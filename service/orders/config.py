"""Settings read from the environment, lazily.

Inside a componentize-py component the module's top level runs at build time,
so nothing here reads ``os.environ`` on import: `Settings.from_env` is called
on the first request that needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

ACCEPTED_SCHEMES = {"mysql": "mysql+pymysql", "mysql+pymysql": "mysql+pymysql"}


class ConfigError(Exception):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    db_pool_size: int = 2
    db_timeout_seconds: int = 5
    retry_after_seconds: int = 2
    dapr_http_port: int | None = None
    dapr_pubsub_name: str = "orderpubsub"
    dapr_timeout_seconds: int = 2

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw_url = env.get("DATABASE_URL", "").strip()
        if not raw_url:
            raise ConfigError("DATABASE_URL is not set (expected mysql://user:pass@host:port/db)")
        return cls(
            database_url=sqlalchemy_url(raw_url),
            db_pool_size=_positive_int(env, "ORDERS_DB_POOL_SIZE") or cls.db_pool_size,
            db_timeout_seconds=_positive_int(env, "ORDERS_DB_TIMEOUT_SECONDS") or cls.db_timeout_seconds,
            retry_after_seconds=_positive_int(env, "ORDERS_RETRY_AFTER_SECONDS") or cls.retry_after_seconds,
            dapr_http_port=_positive_int(env, "DAPR_HTTP_PORT"),
            dapr_pubsub_name=env.get("DAPR_PUBSUB_NAME") or cls.dapr_pubsub_name,
            dapr_timeout_seconds=_positive_int(env, "ORDERS_DAPR_TIMEOUT_SECONDS") or cls.dapr_timeout_seconds,
        )


def sqlalchemy_url(database_url: str) -> str:
    """Turn the demo's ``mysql://`` form into the SQLAlchemy PyMySQL URL."""
    scheme, separator, rest = database_url.partition("://")
    if not separator or scheme.lower() not in ACCEPTED_SCHEMES:
        raise ConfigError("DATABASE_URL must start with mysql:// or mysql+pymysql://")
    if not rest.partition("?")[0].partition("/")[2]:
        raise ConfigError("DATABASE_URL must name a database, e.g. mysql://root@127.0.0.1:3306/orders")
    url = f"{ACCEPTED_SCHEMES[scheme.lower()]}://{rest}"
    try:
        make_url(url).port  # noqa: B018  parsing the port is what fails on a malformed URL
    except (ArgumentError, ValueError):
        # The message leaves the URL out: it may carry a password.
        raise ConfigError("DATABASE_URL is malformed: check its host, port and credentials") from None
    return url


def _positive_int(env: Mapping[str, str], name: str) -> int | None:
    """The variable as a positive int, or None if it is unset or empty."""
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}")
    return value
