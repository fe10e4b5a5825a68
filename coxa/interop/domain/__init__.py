"""The FHIR API's pure rules: what it supports, how it reads a search, how it pages."""
