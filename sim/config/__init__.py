"""What can be set and what is reported: the typed parameter schema (economy uncertainties,
policy levers, run settings), its validation, and the generated parameter docs."""
