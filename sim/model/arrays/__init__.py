"""Array machinery the model is built on: random streams, group operations, columns."""
