"""Template tags of the workspace: the patient banner and the episode's next steps."""
