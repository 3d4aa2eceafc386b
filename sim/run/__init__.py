"""Running the model: the Python API, the Hydra app, sweeps and the files a run writes."""
