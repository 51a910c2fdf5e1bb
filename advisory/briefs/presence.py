"""Who has a brief's edit page open, so editors see each other before they collide.

Ephemeral and advisory: kept in the shared `presence` cache for under a minute, never in the
database; the version check on save is what actually prevents lost edits.
"""

import time

from django.core.cache import caches

from advisory.accounts.models import User

PRESENCE_SECONDS = 45


def brief_editors_heartbeat(*, brief_id: int, user: User) -> list[str]:
    """Record that the user has the brief open; returns who else has had it open lately."""
    cache = caches["presence"]
    key = f"brief-editing:{brief_id}"
    now = time.time()
    seen: dict[str, tuple[str, float]] = cache.get(key) or {}
    seen = {uid: entry for uid, entry in seen.items() if now - entry[1] < PRESENCE_SECONDS}
    seen[str(user.pk)] = (user.byline, now)
    cache.set(key, seen, PRESENCE_SECONDS)
    return sorted(name for uid, (name, _) in seen.items() if uid != str(user.pk))
