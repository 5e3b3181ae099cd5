"""BT503 no-progress-update: the master stopped the job because no mini-batch reported progress for too long."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..core.models import Category, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit
from .base import SignatureRule

# Where the text is the job's final word rather than a passing remark of the master.
TERMINAL_KINDS = frozenset(
    {FileKind.SERVICE, FileKind.JOB_ERROR, FileKind.JOB_RESULT, FileKind.USER_ERROR_SUMMARY, FileKind.OVERVIEW}
)
# When no mini-batch was ever processed, or run() timed out (BT501), the finding is a symptom of that, ranked after
# "No task has been processed" (96).
NEVER_STARTED_PHASE = 97
RUN_TIMEOUT_TRIGGER = "Stop for run() unable to finish within"


class NoProgressUpdate(SignatureRule):
    code = "BT503"
    name = "no-progress-update"
    category = Category.TIMEOUT
    title = "No mini-batch reported progress for too long"
    remedy = (
        "Find what the workers were doing when progress stopped: the last lines of logs/sys/node/<node>/processNNN.txt "
        "and logs/user/stdout/<node>/ show the mini-batch in flight. A run() that hangs (a deadlock, a network call "
        "without a timeout, a GPU job that fell back to the CPU) must be fixed; a run() that is merely slow needs "
        "a larger retry_settings.timeout (--run_invocation_timeout) or a smaller mini_batch_size."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#the-run-function-in-the-entry-script-had-timeout-for-number-times"
    )
    what = "The master watches for finished mini-batches; none arrived within its progress-update timeout."
    why = (
        "It ends the job with the mini-batches still in flight; without a timeout or an exception in the logs, "
        "a run() or init() that hangs is the usual reason."
    )
    example = "No progress update in 195 seconds. No progress update in this check. Wait 195 seconds since last update."
    phase = 46
    fatal = True
    triggers = ("No progress update in", RUN_TIMEOUT_TRIGGER)
    pattern = re.compile(r"No progress update in (\d+) seconds")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "no-progress"

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        terminal = any(_terminal(hit) for hit, _ in self.matches(facts))
        explained = _never_started(facts) or bool(facts.hits(RUN_TIMEOUT_TRIGGER))
        for finding in super().check(facts):
            if not terminal:
                # Only the master's running commentary: worth a look, not the end of the job.
                finding.severity = Severity.WARNING
                finding.fatal = False
            if explained:
                # The workers never got going, or run() timed out: those findings explain the silence better than
                # the master's timer.
                finding.role = Role.SYMPTOM
                finding.phase = NEVER_STARTED_PHASE
            yield finding

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        seconds = [int(m.group(1)) for h in hits if (m := self.pattern.search(h.text))]
        span = f" for {max(seconds)} s" if seconds else ""
        if _never_started(facts):
            return (
                f"The master gave up after no mini-batch finished{span}: not one was ever processed, so the workers "
                "never got going (see their logs)."
            )
        if facts.hits(RUN_TIMEOUT_TRIGGER):
            return f"The master stopped the job after no mini-batch finished{span}: run() kept hitting its timeout."
        last = facts.overview.last_progress
        progress = (
            f" (last progress at {last.timestamp[:19]}: {last.processed} of {last.total} mini-batches)" if last else ""
        )
        stopped = "The job stopped" if any(_terminal(h) for h in hits) else "The master saw"
        return (
            f"{stopped}: no mini-batch reported progress{span}{progress}; run() or init() hung or ran far longer "
            "than expected without raising."
        )


def _never_started(facts: JobFacts) -> bool:
    """True when the logs show that not one mini-batch was processed (False when they do not say)."""
    if facts.minibatches.present:
        return False
    last = facts.overview.last_progress
    if last is not None:
        return last.processed == 0
    return facts.overview.present


def _terminal(hit: Hit) -> bool:
    return hit.file.kind in TERMINAL_KINDS or "|ERROR|" in hit.text or "Failed" in hit.text
