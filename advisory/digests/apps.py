from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "advisory.digests"
    verbose_name = "Digests"
