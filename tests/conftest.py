"""Cross-app tests use the same cast of personas as the apps' own tests."""

from coxa.conftest import *  # noqa: F403 - fixtures are found by name in this module
