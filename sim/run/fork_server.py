"""Imported by the fork server of a sweep's local workers (``hydra/launcher=local``), where
it warms that process up once (:func:`sim.run.workers.warm_process`), with the pool's share of
the cores for its thread pools (``P4P_SIM_WORKER_THREADS``, set by the command while it starts
the server). Every worker is then forked from the warm server: it starts with the model
imported and its compiled loops loaded, while the command composes the sweep on the other
cores. The server leaves Ctrl-C to the command, which ends it by ending itself."""

import os
import signal
import sys
import warnings

from sim.run.workers import share_of_cores, warm_process

signal.signal(signal.SIGINT, signal.SIG_IGN)
# a worker of ``python -m sim.run.cli`` imports that module again as ``__mp_main__`` (as a
# spawned one does), which is harmless here: the module was imported to warm up
warnings.filterwarnings(
    "ignore", message="'sim.run.cli' found in sys.modules", category=RuntimeWarning
)
if os.environ.get("P4P_SIM_WORKER_THREADS"):
    share_of_cores(int(os.environ.pop("P4P_SIM_WORKER_THREADS")))
warm_process()
for stream in (sys.stdout, sys.stderr):  # a worker forked with it buffered would write it again
    stream.flush()
