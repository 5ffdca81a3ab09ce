"""A small per-person rate limit on the shared cache (Redis in production)."""

from django.core.cache import cache


def allow(key: str, *, limit: int, period: int = 60) -> bool:
    """Count one more action under `key`; False once `limit` were counted in the window."""
    if limit <= 0:
        return True
    cache_key = f"ratelimit:{key}"
    # add() starts a window only when none is open; incr() counts within it.
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window closed between add() and incr()
        cache.set(cache_key, 1, timeout=period)
        count = 1
    return count <= limit
