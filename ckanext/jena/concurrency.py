"""How many of one kind of slow work run at once, counted in Redis (shared by every web server):
a caller takes a place on each of its counters (one for the client, one for all clients
together) before the work and gives it back after, and is refused while a counter is at its
limit. Used by the heavy pages (cache/pages.py) and the DataStore's SQL queries
(data/sqlguard.py); each keeps its own keys, limits, time to live and exemptions (sysadmins,
internal calls).

Each count expires ``seconds`` after it was last taken, so a worker killed in the middle of its
work does not hold its place for good. When Redis cannot be reached the work is not counted:
:func:`take` answers None and the caller decides (both let the work go on)."""
from __future__ import annotations

import logging
from typing import Callable, Optional, Sequence


def take(connect: Callable, keys: Sequence[str], limits: Sequence[int], seconds: int,
         log: Optional[logging.Logger] = None, what: str = "places") -> Optional[bool]:
    """One more on each of ``keys`` (counted against ``limits``, in the same order): True when
    every count stays within its limit; False when one passes it (then nothing is taken: each
    count is given back); None when Redis could not count (logged as a warning on ``log``).

    ``connect``: returns the Redis client, asked anew for each round trip."""
    try:
        pipe = connect().pipeline()
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, seconds)
        counts = pipe.execute()[0::2]
    except Exception as e:
        if log is not None:
            log.warning("%s not counted: %s", what, e)
        return None
    if all(count <= limit for count, limit in zip(counts, limits)):
        return True
    give_back(connect, keys, log, what)
    return False


def give_back(connect: Callable, keys: Sequence[str], log: Optional[logging.Logger] = None,
              what: str = "places") -> None:
    """One less on each of ``keys``; Redis away: logged as a warning on ``log`` (the counts expire)."""
    try:
        pipe = connect().pipeline()
        for key in keys:
            pipe.decr(key)
        pipe.execute()
    except Exception as e:
        if log is not None:
            log.warning("%s not given back: %s", what, e)
