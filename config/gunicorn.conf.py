"""gunicorn settings for the portal (scripts/serve.sh passes the ini file and the address).

Sync workers, one request at a time each: a worker busy with a long search never holds up the
requests the other workers serve, and one that runs past ``timeout`` is killed and replaced
(searches stop themselves earlier, at ckanext.jena.search.timeout). On the internet, put a
buffering reverse proxy (nginx, Apache) in front: sync workers should not wait on slow
clients themselves. Environment variables override the defaults: JENA_WEB_WORKERS,
JENA_WEB_TIMEOUT, JENA_LOG_DIR.
"""
import os

wsgi_app = "ckanext.jena.wsgi:application"
# gunicorn's own rule of thumb: two workers per core plus one (on the cores this process may use)
workers = int(os.environ.get("JENA_WEB_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = "sync"
timeout = int(os.environ.get("JENA_WEB_TIMEOUT") or 60)
graceful_timeout = 30
# a worker is replaced after this many requests (spread out), so slow leaks cannot grow forever
max_requests = 2000
max_requests_jitter = 200
# refuse oversized request lines and headers early (gunicorn's defaults, written down; 8190 is
# gunicorn's maximum and what reverse proxies allow too). Longer searches are POSTed to the API,
# where ckanext.jena.search.max_query_length applies.
limit_request_line = 8190
limit_request_fields = 100
_log_dir = os.environ.get("JENA_LOG_DIR")
accesslog = os.path.join(_log_dir, "web-access.log") if _log_dir else "-"
errorlog = "-"
proc_name = "jena-portal"
# gunicorn's runtime control socket (in the user's home) is not used: stop and reload by signal
control_socket_disable = True


def post_worker_init(worker):
    # after the portal is loaded in this worker: from now on it takes requests
    worker.log.info("Worker %s ready", worker.pid)
