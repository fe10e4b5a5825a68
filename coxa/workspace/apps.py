"""App configuration for the workspace."""

from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "coxa.workspace"
    label = "workspace"
