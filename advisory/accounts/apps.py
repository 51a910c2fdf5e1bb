from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "advisory.accounts"
    verbose_name = "Accounts"
