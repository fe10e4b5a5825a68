"""Surgery's pure rules: the schedule, the operation note, discharge and the recovery plan."""
