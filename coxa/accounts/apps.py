"""App configuration for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coxa.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from coxa.accounts import signals  # noqa: PLC0415 - models must be ready first

        signals.connect()
