from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "advisory.entities"
    verbose_name = "Entities"
