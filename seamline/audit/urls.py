from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.entries, name="entries"),
    path("entries/<str:entry>/", views.entry, name="entry"),
    path("chain/", views.chain_status, name="chain"),
]
