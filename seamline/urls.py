from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from seamline.api import urls as api_urls
from seamline.network import views as network_views

urlpatterns = [
    path("", network_views.home, name="home"),
    path(
        "accounts/login/",
        login_not_required(
            auth_views.LoginView.as_view(
                template_name="registration/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("healthz", network_views.healthz, name="healthz"),
    path(
        "favicon.ico",
        login_not_required(
            RedirectView.as_view(url="/static/seamline/favicon.svg", permanent=True)
        ),
        name="favicon",
    ),
    path("network/", include("seamline.network.urls")),
    path("audit/", include("seamline.audit.urls")),
    path("framework/", include("seamline.competency.urls")),
    path("workforce/", include("seamline.workforce.urls")),
    path("cases/", include("seamline.cases.urls")),
    path("handoffs/", include("seamline.handoffs.urls")),
    path("coordination/", include("seamline.coordination.urls")),
    path("plans/", include("seamline.plans.urls")),
    path("rota/", include("seamline.rota.urls")),
    path("reconciliation/", include("seamline.cases.reconciliation.urls")),
    path("escalation/", include("seamline.escalation.urls")),
    path("quality/", include("seamline.quality.urls")),
    path("assurance/", include("seamline.assurance.urls")),
    path("api/", api_urls()),
    path("ops/admin/", admin.site.urls),
]

handler403 = "seamline.network.views.forbidden"
handler404 = "seamline.network.views.not_found"
