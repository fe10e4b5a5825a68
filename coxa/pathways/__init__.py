"""Pathways: each hip's episode of care and the states it moves through."""
