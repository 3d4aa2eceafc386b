"""Hydra sweeper plugin of p4p-sim: BasicSweeper plus deterministic job dirs and resume."""
