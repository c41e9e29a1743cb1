"""The site-wide data stamp behind the page cache (mgplanner/page_cache.py)."""

import secrets

from django.db import models


def new_stamp() -> int:
    """A random stamp: equal stamps mean unchanged data, even across a restored backup."""
    return secrets.randbits(62)


class SiteStamp(models.Model):
    """One row: changes whenever data every page may show changes (admin writes, food loads)."""

    value = models.BigIntegerField(default=new_stamp)

    def __str__(self) -> str:
        return f"site stamp {self.value}"
