"""Times as a person reads them: in the active time zone (the viewer's, set per request by
`config.middleware.UserTimeZoneMiddleware`, or the recipient's around an email), with
the zone named."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

DATE_TIME = "%a %d %b %Y, %H:%M %Z"


def local(value: datetime, fmt: str = DATE_TIME) -> str:
    return timezone.localtime(value).strftime(fmt)
