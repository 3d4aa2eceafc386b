"""Moved: the docs generator is ``python -m sim.docs`` (it reads the model and the checks,
which the configuration layer may not import)."""

import sys

if __name__ == "__main__":
    print("python -m sim.config.docs has moved; run: python -m sim.docs [--check]", file=sys.stderr)
    sys.exit(2)
