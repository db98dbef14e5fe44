"""The API's JSON parser, with limits: JSON nested deeper than ``API_JSON_MAX_DEPTH`` is a 400, a body
larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` a 413, both with the usual error shape, never a 500."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .exceptions import PayloadTooLarge


def json_depth_exceeds(data, limit: int) -> bool:
    """True when ``data`` nests lists or objects more than ``limit`` deep (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: no limit (Django's meaning)
        raw = stream.read(-1 if limit is None else limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit:,} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if json_depth_exceeds(data, settings.API_JSON_MAX_DEPTH):
            raise ParseError(f"The JSON is nested more than {settings.API_JSON_MAX_DEPTH} levels deep.")
        return data


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON; DRF's strict parser refuses them too.
    raise ValueError(f"{name} is not valid JSON")
