"""The reconciliation pages, under /reconciliation/ (`views.urlpatterns`)."""

from .views import urlpatterns

app_name = "reconciliation"

__all__ = ["app_name", "urlpatterns"]
