"""ckanext-harvest's consumers wait on an idle Redis queue for as long as it stays idle (on CKAN
2.12, redis-py 8's 5-second read timeout ended them: ckanext/jena/harvest/redis_queue.py)."""
import pytest

from tests.harvest.helpers import marks

pytestmark = marks() + [pytest.mark.ckan_config("ckan.harvest.mq.type", "redis")]


def test_a_consumer_waiting_on_an_idle_queue_is_not_cut_off_after_five_seconds():
    from ckanext.harvest import queue
    redis = queue.get_connection()
    key = "jena-test-idle-queue"
    redis.delete(key)
    # longer than redis-py 8's default read timeout (5 s): an empty queue answers None, no error
    assert redis.blpop(key, timeout=6) is None
