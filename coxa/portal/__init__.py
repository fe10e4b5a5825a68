"""The public site and the patient portal."""
