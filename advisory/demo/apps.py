from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "advisory.demo"
    verbose_name = "Demo content"
