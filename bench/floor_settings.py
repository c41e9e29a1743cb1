"""The app's settings with bench/floor_urls.py's URLs: for `bench/bench_web.py --floor` only."""

from mgplanner.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
