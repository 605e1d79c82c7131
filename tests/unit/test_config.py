"""DATABASE_URL handling and the other settings."""

from __future__ import annotations

import pytest

from orders.config import ConfigError, Settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mysql://root@127.0.0.1:3306/orders", "mysql+pymysql://root@127.0.0.1:3306/orders"),
        ("MYSQL://u:p%40ss@db/orders?charset=utf8mb4", "mysql+pymysql://u:p%40ss@db/orders?charset=utf8mb4"),
        ("mysql+pymysql://u@db:3307/o", "mysql+pymysql://u@db:3307/o"),
    ],
)
def test_demo_urls_become_sqlalchemy_urls(raw: str, expected: str) -> None:
    assert Settings.from_env({"DATABASE_URL": raw}).database_url == expected


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "  "}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "postgres://u@db/o"}, "must start with mysql://"),
        ({"DATABASE_URL": "db:3306/orders"}, "must start with mysql://"),
        ({"DATABASE_URL": "mysql://u@db:3306"}, "must name a database"),
        ({"DATABASE_URL": "mysql://app:p@ss-SECRET@db/orders"}, "percent-encode"),
        ({"DATABASE_URL": "mysql://app@x:p@ss@db/orders"}, "percent-encode"),
        ({"DATABASE_URL": "mysql://u@db/o", "ORDERS_DB_POOL_SIZE": "zero"}, "ORDERS_DB_POOL_SIZE"),
        ({"DATABASE_URL": "mysql://u@db/o", "ORDERS_DB_TIMEOUT_SECONDS": "0"}, "ORDERS_DB_TIMEOUT_SECONDS"),
    ],
)
def test_bad_environments_say_what_is_wrong(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(environ)


def test_tuning_comes_from_the_environment() -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": "mysql://u@db/o", "ORDERS_DB_POOL_SIZE": "5", "ORDERS_RETRY_AFTER_SECONDS": "7"}
    )
    assert (settings.db_pool_size, settings.db_timeout_seconds, settings.retry_after_seconds) == (5, 5, 7)


def test_dapr_is_off_unless_its_port_is_set() -> None:
    assert Settings.from_env({"DATABASE_URL": "mysql://u@db/o"}).dapr_http_port is None
    settings = Settings.from_env(
        {"DATABASE_URL": "mysql://u@db/o", "DAPR_HTTP_PORT": "3500", "DAPR_PUBSUB_NAME": "events"}
    )
    assert (settings.dapr_http_port, settings.dapr_pubsub_name, settings.dapr_timeout_seconds) == (3500, "events", 2)
    with pytest.raises(ConfigError, match="DAPR_HTTP_PORT"):
        Settings.from_env({"DATABASE_URL": "mysql://u@db/o", "DAPR_HTTP_PORT": "dapr"})
