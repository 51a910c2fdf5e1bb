from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "advisory.workflow"
    verbose_name = "Workflow"
