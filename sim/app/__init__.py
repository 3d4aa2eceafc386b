"""``p4p-app``: a local web page (Solara) for comparing funding designs against the baseline.

The page holds no economics: it composes configs with :func:`sim.compose`, runs them through
:func:`sim.run.api.run_to_dir` and reads the numbers back with :func:`sim.build_report`, the
code behind ``p4p-report``.
"""
