from django.apps import AppConfig


class CompetencyConfig(AppConfig):
    name = "seamline.competency"
    label = "competency"
    verbose_name = "Shared competency framework"
