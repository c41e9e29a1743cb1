"""What an app server process does before its first request (gunicorn's post_worker_init,
mgplanner/gunicorn_conf.py).

Without it the first request to need each thing builds it while the requests behind it
queue: the suggestions' candidate pool (~1.3 s from ~9,000 foods) and the compiled
templates (~0.8 s for all 48, the day page's 130 ms). A worker restarted by
`max_requests` would stall its queue the same way each time.
"""

import gc
import logging

from django.db import DatabaseError
from django.template import engines

logger = logging.getLogger("mgplanner.faults")


def warm_up() -> None:
    """Compile every app template and build the candidate pool. A database that is down
    only leaves the pool to its first use (which then waits for the database anyway)."""
    from plans.swap_pool import candidate_pool

    environment = engines["jinja2"].env  # type: ignore[attr-defined]
    for name in environment.list_templates():
        environment.get_template(name)
    try:
        candidate_pool()
    except DatabaseError as error:
        logger.warning("candidate pool not built at start", extra={"error": str(error)})
    # What is alive now (modules, templates, the pool: ~80,000 objects) lives as long as the
    # process: the cyclic garbage collector need not walk it again. A full collection took
    # ~23 ms before, during whichever request happened to trigger it; after, well under 1 ms.
    gc.freeze()
