import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")

app = Celery("advisory")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
