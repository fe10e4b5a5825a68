"""Fixtures shared by the analytics tests."""

from coxa.analytics.tests.test_records import hips  # noqa: F401 (a fixture, shared)
