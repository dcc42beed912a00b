"""ckanext-harvest's Redis queue on CKAN 2.12: the consumers wait for work without a time limit.

Why this reaches into ckanext-harvest: its consumers (``ckan harvester gather-consumer`` /
``fetch-consumer``) wait on ``BLPOP`` with no timeout, over a client from
``ckanext.harvest.queue.get_connection_redis``. redis-py 8 (pinned by CKAN 2.12.0; 2.11.6 pins
5.0.7) reads with a 5-second socket timeout by default, so a queue idle for five seconds raised
``redis.exceptions.TimeoutError`` and ended the consumer process. ``install()`` wraps that
function so its clients read without a socket timeout, as redis-py 5 did (their connections are
made later, from these keyword arguments). A no-op on 2.11. Written against ckanext-harvest 1.6.3
with redis-py 5.0.7 and 8.0.1; tests/harvest/test_redis_queue.py fails if it no longer holds."""
from __future__ import annotations

import functools


def install() -> None:
    from ckanext.harvest import queue
    original = queue.get_connection_redis
    if getattr(original, "jena_untimed", False):
        return

    @functools.wraps(original)
    def get_connection_redis():
        client = original()
        client.connection_pool.connection_kwargs["socket_timeout"] = None
        return client

    get_connection_redis.jena_untimed = True
    queue.get_connection_redis = get_connection_redis
