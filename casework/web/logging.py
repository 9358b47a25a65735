"""Request logs without query strings: a search for a child's name must not reach a log."""

import logging
import re

_QUERY = re.compile(r'("(?:GET|POST|HEAD|PUT|DELETE|PATCH|OPTIONS) [^?" ]*)\?[^" ]*')


class StripQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = _QUERY.sub(r"\1?…", str(record.msg))
        return True


def install() -> None:
    logging.getLogger("werkzeug").addFilter(StripQueryStrings())
    logging.getLogger("gunicorn.access").addFilter(StripQueryStrings())
