"""`coxa synth` and `coxa analytics`."""
