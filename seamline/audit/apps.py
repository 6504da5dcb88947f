from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "seamline.audit"
    label = "audit"
    verbose_name = "Audit log"
