"""BT404 unsupported-output-dtype: results in a data type the writer cannot store (float16 most often).

Models loaded in half precision (``model.half()``, ``torch_dtype=torch.float16``) return float16 arrays; writers
such as ``scipy.io.wavfile.write`` refuse them with ``Unsupported data type 'float16'``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, phase_of, where


class UnsupportedOutputDtype(SignatureRule):
    code = "BT404"
    name = "unsupported-output-dtype"
    category = Category.OUTPUT
    title = "Results have a data type the output writer does not support"
    remedy = (
        "Convert the model's output before writing or returning it: .astype('float32') (or int16 for 16-bit WAV "
        "audio) instead of float16; half precision is fine for inference but most file writers reject it."
    )
    docs_url = "https://docs.scipy.org/doc/scipy/reference/generated/scipy.io.wavfile.write.html"
    what = "Writing a result failed because its array has a dtype the writer does not handle (float16, bfloat16)."
    why = "Every result of that kind fails to be written, so the items fail or the output holds error rows."
    example = "ValueError: Unsupported data type 'float16'"
    phase = 60
    triggers = ("Unsupported data type '",)
    pattern = re.compile(r"Unsupported data type '(\w+)'")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return match.group(1) if match else "dtype"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        dtype = match.group(1) if match else "?"
        phase = phase_of(facts, hits)
        inside = f" in {phase}()" if phase else ""
        return f"Writing results failed{inside}: data type '{dtype}' is not supported by the writer{where(hits)}."
