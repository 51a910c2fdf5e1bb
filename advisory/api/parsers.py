"""Request bodies: JSON only, and only text PostgreSQL can store."""

import json
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """JSON whose strings are all valid Unicode.

    JSON may escape a lone surrogate ("\\ud800"), which Python reads into a string that no
    database can store: such a body is refused as unreadable, before any field sees it.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            raise ParseError("The body holds text that is not valid Unicode.") from error
        return data
