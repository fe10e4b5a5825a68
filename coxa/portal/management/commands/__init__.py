"""Portal commands: `coxa invite_patient`."""
