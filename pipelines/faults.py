"""Fault injection for the crash tests (tests/test_fault_tolerance.py): named points in a refresh.

SAFETY_FAULT_KILL_AT=<point>  the process dies there with SIGKILL, as from `kill -9` or the OOM
                              killer (with its process group when it leads one, so dbt, a child,
                              dies too); nothing is cleaned up, nothing is flushed.
SAFETY_FAULT_FAIL_AT=<point>  an exception is raised there (an ordinary failure).
SAFETY_FAULT_MARK=<file>      the point's name is appended to this file first (the test's proof
                              that the run got there: Dagster captures a step's stderr).

Points: ingest_start_<source> (before a source is read, earlier sources committed),
ingest_mid_write (a source's window deleted, its rows not yet inserted, transaction open),
gx_check (the Great Expectations gate), dbt_mid_build (after dbt has reported a share of its
nodes), publish_before_copy (history computed, nothing written), publish_mid_copy (half the
tables copied into the new serving file), publish_before_rename (new file complete, not
renamed), publish_after_rename (new serving copy in place, warehouse history not yet written).
Unset (the default), a point costs one dictionary lookup.
"""

from __future__ import annotations

import logging
import os
import signal

KILL_VAR, FAIL_VAR, MARK_VAR = "SAFETY_FAULT_KILL_AT", "SAFETY_FAULT_FAIL_AT", "SAFETY_FAULT_MARK"


class InjectedFault(RuntimeError):
    pass


def fault_point(name: str) -> None:
    if os.environ.get(FAIL_VAR) == name:
        raise InjectedFault(f"injected failure at {name}")
    if os.environ.get(KILL_VAR) != name:
        return
    logging.getLogger("safety_stats.faults").warning("SIGKILL injected at %s", name)
    if mark := os.environ.get(MARK_VAR):
        with open(mark, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
