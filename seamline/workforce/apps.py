from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "seamline.workforce"
    label = "workforce"
    verbose_name = "Workforce register"
