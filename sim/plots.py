"""``import sim.plots`` keeps working: the plotting helpers live in :mod:`sim.analysis.plots`."""

import sys

from sim.analysis import plots

sys.modules[__name__] = plots
