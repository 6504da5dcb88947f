from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "seamline.network"
    label = "network"
    verbose_name = "Network"

    def ready(self) -> None:
        from . import auth  # noqa: F401  (connects sign-in events to the audit log)
