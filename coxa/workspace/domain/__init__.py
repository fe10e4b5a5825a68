"""The workspace's pure rules: the episode as steps."""
