"""DRF's parsers, refusing a body with text PostgreSQL cannot store (config/storable_text.py)
before any serializer sees it: a NUL or unpaired surrogate inside a dict key, a
DictField's or ListField's content, a slug looked up in the database or an error message
that echoes the input (which the JSON renderer cannot encode) would otherwise be a 500.
The answer is a 400 naming the field, in the shape of config/api_errors.py."""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

from config.storable_text import UNSTORABLE_TEXT, unstorable_text_at


class _RefusesUnstorableText:
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None
        data = parsed.data if isinstance(parsed, parsers.DataAndFiles) else parsed
        if isinstance(data, QueryDict):  # a field sent once is named without an index
            data = {key: values[0] if len(values) == 1 else values
                    for key, values in data.lists()}
        where = unstorable_text_at(data)
        if where is not None:
            raise ValidationError({where or api_settings.NON_FIELD_ERRORS_KEY: [UNSTORABLE_TEXT]})
        return parsed


class JSONParser(_RefusesUnstorableText, parsers.JSONParser):
    pass


class FormParser(_RefusesUnstorableText, parsers.FormParser):
    pass


class MultiPartParser(_RefusesUnstorableText, parsers.MultiPartParser):
    pass
