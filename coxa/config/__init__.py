"""The Django project: settings, URLs, the API mount. No domain code lives here."""
