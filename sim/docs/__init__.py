"""Generated documentation: docs/parameters.md, docs/odd.md's tables and the README's KPI
table, written from the declarations in the code (``python -m sim.docs``). It sits at the edge
of the package: it reads the configuration, the model's declared state and schedule, and the
checks' targets and signatures, and nothing imports it."""
