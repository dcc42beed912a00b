import pytest


@pytest.fixture(autouse=True)
def no_rate_counts():
    """Each test starts with no anonymous data requests counted (the per-address limit)."""
    from ckan.lib.redis import connect_to_redis
    redis = connect_to_redis()
    for key in redis.scan_iter(match="jena:*:datarequest:*", count=1000):
        redis.delete(key)
    yield
