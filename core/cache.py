"""A Redis cache that fails soft: while Redis is down, Praxis runs slower, never broken.

Django's Redis backend raises on every call when the server cannot be reached, so an outage
turned every page into a 500 and every login into an error. Here a failed call is logged and
answered as a miss (reads), a no-op (writes), a first count (incr) or a success (add, which
rate limits and allauth's lock use): during an outage rate limits let people through rather than
lock everybody out. Sessions do not depend on it: they are stored in the
database with the cache in front (`cached_db`), so nobody is logged out by an outage or when
Redis restarts empty.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisError, OSError)


def _unavailable(operation: str, error: Exception) -> None:
    logger.warning("Cache unavailable (%s): %s", operation, error)


class FailSoftRedisCache(RedisCache):
    """RedisCache whose calls never raise because Redis is unreachable."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("add", error)
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            _unavailable("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("set", error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            _unavailable("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            _unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            _unavailable("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            _unavailable("incr", error)
            return delta

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            _unavailable("set_many", error)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as error:
            _unavailable("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as error:
            _unavailable("clear", error)
            return False
