from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OpsConfig(AppConfig):
    name = "advisory.ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from advisory.ops.logs import log_context_clear

        request_started.connect(log_context_clear, dispatch_uid="advisory-log-context-start")
        request_finished.connect(log_context_clear, dispatch_uid="advisory-log-context-end")


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the desk's site, which asks staff with two-factor sign-in for it."""

    default = False
    default_site = "advisory.accounts.two_factor.DeskAdminSite"
