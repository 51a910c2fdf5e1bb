from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "advisory.portal"
    verbose_name = "Portal"
