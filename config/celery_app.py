import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("cx_portal")
# Every CELERY_* Django setting configures Celery (acks_late, eager mode, beat schedule).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
