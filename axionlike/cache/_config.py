"""CacheConfig: what a run reads from and writes to the cache, and where it lives."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class CacheConfig(BaseModel):
    """Caching of task outputs and metric scores (see the caching docs)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    use_cache: bool = True
    """Read entries from the cache."""
    write_cache: bool = True
    """Write new entries to the cache."""
    cache_task: bool = True
    """Cache task outputs too, not only metric scores."""
    cache_type: Literal["memory", "disk"] = "memory"
    """``'memory'``: shared by the runs of this process. ``'disk'``: diskcache in ``cache_dir``."""
    cache_dir: Path = Path(".axionlike/cache")
    """Directory of the disk cache."""
    store: Any = None
    """A ``CacheStore`` to use instead of the one ``cache_type`` names."""
