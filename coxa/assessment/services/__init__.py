"""The write path for pre-assessment, by sub-domain: entries, readiness, decisions."""
