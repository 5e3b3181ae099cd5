"""BT305 invalid-jsonl-input: JSON Lines input that json.loads() cannot parse.

Counted when the scoring script says which input line failed (``Error processing line 3: Expecting value ...``),
or when json.loads() raised inside run() from the scoring script's own code.  A JSONDecodeError raised while
parsing a web service's answer (requests, azure SDKs) is not about the input and is left to the generic rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where

_JSON_ERROR = re.compile(
    r"(Expecting property name enclosed in double quotes|Expecting value|Unterminated string starting at"
    r"|Extra data|Expecting ',' delimiter|Expecting ':' delimiter|Invalid control character at|Invalid \\escape)"
    r":? line (\d+) column (\d+) \(char (\d+)\)"
)
_INPUT_LINE = re.compile(r"(?:Error processing|Failed to parse|Invalid JSON (?:on|in)) line (\d+)", re.IGNORECASE)
# Frames of HTTP clients: a JSONDecodeError there comes from a service's answer, not from the input files.
_CLIENT_FRAMES = ("/requests/", "/urllib3/", "/azure/", "/msrest/", "/httpx/", "/openai/", "/aiohttp/")

HINTS = {
    "Expecting property name enclosed in double quotes": "keys and strings need double quotes (single quotes are "
    "Python, not JSON)",
    "Expecting value": "a line is empty or not JSON (a trailing blank line, or a header row)",
    "Extra data": "a line holds more than one JSON value (a pretty-printed or concatenated file)",
    "Unterminated string starting at": "a string is not closed (a record split over several lines)",
}


class InvalidJsonlInput(SignatureRule):
    code = "BT305"
    name = "invalid-jsonl-input"
    category = Category.INPUT_DATA
    title = "Input lines are not valid JSON"
    remedy = (
        "Make every line of the .jsonl input one complete JSON object: double quotes around keys and strings, no "
        "blank lines (also none at the end of the file), one record per line. Validate the files locally with "
        "json.loads on each line before invoking the endpoint, or skip empty lines in run()."
    )
    docs_url = "https://jsonlines.org/"
    what = "run() read the input as JSON Lines and json.loads() rejected a line."
    why = "The record (or the whole file, or mini-batch, if run() does not catch the error) produces no prediction."
    example = (
        "ERROR:score_module:Error processing line 1: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)"
    )
    phase = 30
    triggers = (
        "Expecting property name enclosed in double quotes",
        "Expecting value: line",
        "Unterminated string starting at",
        "Extra data: line",
        "Expecting ',' delimiter",
        "Invalid control character at",
        "Invalid \\escape",
    )
    pattern = _JSON_ERROR

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if _INPUT_LINE.search(hit.text):
                yield hit, match
                continue
            traceback = facts.traceback_for(hit)
            if traceback is None or traceback.phase != "run" or not traceback.user_frames:
                continue
            if any(marker in frame.filename for frame in traceback.frames for marker in _CLIENT_FRAMES):
                continue
            yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "jsonl"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        error = match.group(1) if match else "invalid JSON"
        lines = sorted({int(m.group(1)) for h in hits if (m := _INPUT_LINE.search(h.text))})
        where_lines = f" (input line{'s' if len(lines) != 1 else ''} {_list(lines)})" if lines else ""
        hint = HINTS.get(error)
        because = f": {hint}" if hint else ""
        return f"json.loads() rejected the input{where_lines} with '{error}'{because}{where(hits)}."


def _list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
