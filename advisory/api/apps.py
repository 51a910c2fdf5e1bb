from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "advisory.api"
    verbose_name = "API"
