from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _restore_search_index(using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from foods import search_index

    search_index.ensure_sqlite_index(connections[using])


class FoodsConfig(AppConfig):
    name = "foods"
    verbose_name = "Foods"

    def ready(self) -> None:
        # A later migration that alters foods_food on SQLite drops the search triggers.
        post_migrate.connect(_restore_search_index, sender=self)
