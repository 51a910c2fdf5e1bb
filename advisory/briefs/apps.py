from django.apps import AppConfig


class BriefsConfig(AppConfig):
    name = "advisory.briefs"
    verbose_name = "Briefs"
