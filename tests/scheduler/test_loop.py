"""The scheduler's loop: each task at its own interval; one failing task does not stop the others."""
import threading
import time

from ckanext.jena.scheduler import PeriodicTask
from ckanext.jena.scheduler.loop import run


def test_each_task_runs_at_its_interval_and_a_failing_one_stops_nothing():
    runs = {"often": 0, "failing": 0, "seldom": 0}
    lines = []
    stop = threading.Event()

    def count(name):
        def task():
            runs[name] += 1
            if name == "failing":
                raise RuntimeError("source unreachable")
        return task

    tasks = [PeriodicTask("often", 0.1, count("often")), PeriodicTask("failing", 0.1, count("failing")),
             PeriodicTask("seldom", 60, count("seldom"))]
    worker = threading.Thread(target=run, args=(tasks, stop, lines.append))
    worker.start()
    time.sleep(1)
    stop.set()
    worker.join(5)
    assert not worker.is_alive()
    assert runs["often"] >= 5 and runs["failing"] >= 5
    assert runs["seldom"] == 1
    assert "failing: failed (RuntimeError: source unreachable); again in 0.1 s" in lines
