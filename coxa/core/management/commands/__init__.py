"""`coxa audit` and the test-only `flush`."""
