from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OpsConfig(AppConfig):
    name = "advisory.ops"
    verbose_name = "Operations"


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the desk's site, which asks staff with two-factor sign-in for it."""

    default = False
    default_site = "advisory.accounts.two_factor.DeskAdminSite"
