"""Tests of the deployment kit in deploy/ (issue 18, ADR 0030): no network, no container runtime."""
