"""A Redis cache that the site keeps serving without.

Everything Advisory caches can be recomputed from the database, so when Redis stops answering
a read is a miss, a write is dropped and the page is served from PostgreSQL, slower but whole.
After a failure the cache is not asked again for a few seconds: a Redis that hangs costs
each request nothing, not a socket timeout per lookup.
"""

import logging
import time
from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds the cache is left alone after Redis failed.
RETRY_AFTER = 5.0


class _ReusedClients(RedisCacheClient):
    """Django's client builds a redis-py client for every operation, and each build copies
    redis-py's table of reply callbacks: about 70 µs of CPU, a dozen times on a page made from
    scratch. A redis-py client holds no state of its own beyond its connection pool and is
    safe to share between threads, so one per pool serves every call."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class DegradingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients
        self._down_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, error: Exception) -> None:
        if self._available():
            logger.warning("cache unavailable (%s: %s): serving without it", operation, error)
        self._down_until = time.monotonic() + RETRY_AFTER

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        if not self._available():
            return default
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._failed("get", error)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        if not self._available():
            return {}
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._failed("get_many", error)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        if not self._available():
            return False
        try:
            return super().has_key(key, version)
        except RedisError as error:
            self._failed("has_key", error)
            return False

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        # Callers use add as "only the first one does it" (send an email once): without Redis
        # doing it possibly twice beats never doing it.
        if not self._available():
            return True
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._failed("add", error)
            return True

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        if not self._available():
            return
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._failed("set", error)

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        if not self._available():
            return list(data)
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._failed("set_many", error)
            return list(data)

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        if not self._available():
            return False
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            self._failed("touch", error)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        if not self._available():
            return False
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._failed("delete", error)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        if not self._available():
            return
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            self._failed("delete_many", error)

    def ping(self) -> None:
        """Raises unless Redis answers now, whatever the last failure was: for /readyz."""
        self._cache.get_client(write=True).ping()
        self._down_until = 0.0


def cache_ping(cache: BaseCache) -> None:
    """Raises unless the cache works: a Redis cache is pinged, any other is written and read."""
    if isinstance(cache, DegradingRedisCache):
        cache.ping()
        return
    cache.set("readyz-probe", "ok", 10)
    if cache.get("readyz-probe") != "ok":
        raise RuntimeError("the cache did not return what was written")
