"""Drawings kept in Redis within one budget: the maps' features and drawn SVG, the charts'
drawings, per resource and its last change (the caller's key says which). A large map or a chart
over a big table takes seconds to draw; kept, the next visitor gets it at once.

Bounded twice: an entry larger than ``ckanext.jena.cache.drawing_max_kilobytes`` is not kept
(drawn again each time, as before), and all entries together stay within
``ckanext.jena.cache.drawings_megabytes``: the oldest go first. No permissions of their own:
callers check that the visitor may see the resource before they ask."""
from __future__ import annotations

import logging
import time
from typing import Optional

from ckanext.jena import settings

log = logging.getLogger(__name__)

INDEX = "jena_drawings:index"  # sorted set: key -> when it was kept
SIZES = "jena_drawings:sizes"  # hash: key -> bytes


def _redis():
    from ckan.lib.redis import connect_to_redis
    return connect_to_redis()


def get(key: str) -> Optional[bytes]:
    """The kept value, or None (also when Redis is away)."""
    try:
        return _redis().get(key)
    except Exception:
        log.warning("drawings: the cache is not reachable", exc_info=True)
        return None


def keep(key: str, value: bytes, seconds: int) -> bool:
    """Keep ``value`` under ``key`` for ``seconds``, within the budget; False if not kept."""
    if seconds <= 0 or len(value) > int(settings.get("ckanext.jena.cache.drawing_max_kilobytes")) * 1024:
        return False
    budget = int(settings.get("ckanext.jena.cache.drawings_megabytes")) * 1024 * 1024
    try:
        redis = _redis()
        now = time.time()
        with redis.pipeline() as pipe:
            pipe.setex(key, seconds, value)
            pipe.zadd(INDEX, {key: now})
            pipe.hset(SIZES, key, len(value))
            pipe.execute()
        _forget_expired(redis)
        sizes = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in redis.hgetall(SIZES).items()}
        total = sum(sizes.values())
        if total <= budget:
            return True
        # over budget: forget entries that expired by themselves, then the oldest
        for old in redis.zrange(INDEX, 0, -1):
            if total <= budget:
                break
            old = old.decode() if isinstance(old, bytes) else old
            if old == key:
                continue
            total -= sizes.get(old, 0)
            with redis.pipeline() as pipe:
                pipe.delete(old)
                pipe.zrem(INDEX, old)
                pipe.hdel(SIZES, old)
                pipe.execute()
        return True
    except Exception:
        log.warning("drawings: could not keep %s", key, exc_info=True)
        return False


def _forget_expired(redis, look: int = 20) -> None:
    """Drop the bookkeeping of the oldest entries that expired by themselves (a few per call, so
    the index stays about as long as what is really kept)."""
    oldest = redis.zrange(INDEX, 0, look - 1)
    if not oldest:
        return
    with redis.pipeline() as pipe:
        for key in oldest:
            pipe.exists(key)
        alive = pipe.execute()
    gone = [key for key, exists in zip(oldest, alive) if not exists]
    if gone:
        with redis.pipeline() as pipe:
            pipe.zrem(INDEX, *gone)
            pipe.hdel(SIZES, *gone)
            pipe.execute()

