"""App configuration for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coxa.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
