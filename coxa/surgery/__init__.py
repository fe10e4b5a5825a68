"""Surgery: scheduling, the operation note, discharge, the recovery plan and physiotherapy."""
