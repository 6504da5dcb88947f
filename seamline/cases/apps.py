from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "seamline.cases"
    label = "cases"
    verbose_name = "Participants and referrals"
