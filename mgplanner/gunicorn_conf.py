"""gunicorn settings of `make serve` and the benchmarks: `--config python:mgplanner.gunicorn_conf`.

Address and worker count come from the command line (`BIND`, `WEB_CONCURRENCY`).
"""

from typing import Any

worker_class = "sync"
timeout = 30
graceful_timeout = 30
# A fresh process now and then bounds what any leak could grow to; the jitter keeps the
# workers from restarting together. Rarely: a new worker spends ~2 s warming up
# (mgplanner/startup.py), which every 2,000 requests halved the health view's throughput.
max_requests = 20000
max_requests_jitter = 2000


def post_worker_init(worker: Any) -> None:
    """Before the worker's first request: see mgplanner/startup.py."""
    from mgplanner.startup import warm_up

    warm_up()
