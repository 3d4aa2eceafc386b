from tests.cluster.sweeps import joblib_reference  # noqa: F401 - shared fixture
