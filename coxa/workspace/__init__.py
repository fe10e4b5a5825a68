"""The staff's workspace: each role's home page, the patient banner and the episode's next steps.

It reads every clinical app and owns no clinical data (ADR 0025).
"""
