"""The numeric core, numpy only: activations, min-max and normalisation, the engine, the trace."""
