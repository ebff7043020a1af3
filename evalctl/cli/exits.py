"""The exit codes every evalctl command shares, and the text `--help` and README show for them."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the check ran and failed: a gate, an expectation, a regression, spec errors in validate
EXIT_USAGE = (
    2  # nothing judged: bad arguments, unknown name or id, spec errors, the service refused, job failed
)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), after stopping what the command started
EXIT_BROKEN_PIPE = 141  # stdout closed by its reader (128 + SIGPIPE), as shells report it

EPILOG = (
    "exit codes: 0 success; 1 a gate, expectation or comparison failed (validate: errors found); "
    "2 usage error, unknown name or id, the service refused or the job failed; 130 interrupted (Ctrl-C)"
)
