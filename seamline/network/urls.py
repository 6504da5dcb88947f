from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("account/", views.account, name="account"),
]
