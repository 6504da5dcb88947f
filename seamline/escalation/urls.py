"""Escalation pages (the views module keeps its own `urlpatterns`)."""

from .views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
