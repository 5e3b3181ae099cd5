"""BT502 init-timeout: the scoring script's init() did not finish within the timeout, again and again."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class InitTimeout(SignatureRule):
    code = "BT502"
    name = "init-timeout"
    category = Category.TIMEOUT
    title = "init() did not finish within the timeout"
    remedy = (
        "Make init() faster (load the model once, avoid downloads and large copies there) or raise the timeout: "
        "retry_settings.timeout for batch deployments, --run_invocation_timeout for PRS; init() gets the same limit "
        "as run(). Check logs/perf (logs/sys/perf in older jobs) to see whether the node was overloaded while the "
        "model loaded, and lower max_concurrency_per_instance if several processes load it at once."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The driver counted init() calls that ran past the invocation timeout. A job whose workers all stay in "
        "init() for more than 3 × run_invocation_timeout + 30 s fails for lack of progress."
    )
    why = "A worker whose init() never finishes never gets a mini-batch; when all of them time out, the job fails."
    example = (
        "The init() in the entry scipt had timeout for 6 times. Please increase --run_invocation_timeout and try "
        "again. Check logs/sys/perf to see if the node is overloaded."
    )
    phase = 21
    fatal = True
    triggers = (
        "The init() in the entry scipt had timeout",
        "The init() in the entry script had timeout",
        "The init() function in the entry script had timeout",
    )
    pattern = re.compile(r"The init\(\) (?:function )?in the entry scr?ipt had timeout for (\d+) times")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "init-timeout"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        counts = [int(m.group(1)) for h in hits if (m := self.pattern.search(h.text))]
        count = f" {max(counts)} times" if counts else ""
        limit = facts.settings.get("run_invocation_timeout", "")
        within = f" of {limit} s (run_invocation_timeout)" if limit.isdigit() else ""
        return f"init() exceeded the timeout{within}{count}{where(hits)}: the workers never got to run()."
