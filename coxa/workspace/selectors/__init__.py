"""What the workspace reads from the clinical apps: home lists, the banner, the episode's steps."""
