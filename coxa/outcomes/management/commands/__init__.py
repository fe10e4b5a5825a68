"""Outcomes commands: `coxa instruments`, `coxa refresh_follow_up`."""
