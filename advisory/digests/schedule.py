"""When a subscriber's next digest is due: local delivery time, in their timezone, in UTC."""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from advisory.digests.models import Frequency

UTC = datetime.UTC


def timezone_valid(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def next_delivery_after(
    moment: datetime.datetime,
    *,
    frequency: str,
    delivery_time: datetime.time,
    timezone: str,
    weekday: int,
) -> datetime.datetime:
    """The first delivery moment strictly after `moment`, in UTC.

    Daily: every day at the local delivery time; weekly: on the weekday at that time. A local
    time that a clock change skips is delivered at the same wall time read with the offset in
    force before the change (fold 0); a repeated local time is delivered once, the first time.
    Immediate alerts are due at every tick.
    """
    if frequency == Frequency.IMMEDIATE:
        return moment.astimezone(UTC)
    zone = ZoneInfo(timezone)
    local_day = moment.astimezone(zone).date()
    for offset in range(9):
        day = local_day + datetime.timedelta(days=offset)
        if frequency == Frequency.WEEKLY and day.weekday() != weekday:
            continue
        candidate = datetime.datetime.combine(day, delivery_time, tzinfo=zone)
        in_utc = candidate.astimezone(UTC)
        if in_utc > moment:
            return in_utc
    raise AssertionError("a daily or weekly delivery always falls within eight days")
