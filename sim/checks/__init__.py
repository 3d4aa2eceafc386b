"""Does the model reproduce known economics? Theory signatures and calibration targets."""
