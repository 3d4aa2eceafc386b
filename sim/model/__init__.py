"""The economy: employers, workers, providers and the funder, in NumPy and Mesa only.

Nothing here imports Hydra or the run, analysis and checks layers; the model takes a
validated :class:`sim.config.SimConfig` and steps through ``TrainingMarketModel.PHASES``.
"""
