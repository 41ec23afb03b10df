from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.core import views as core_views
from apps.dashboards import views as dashboard_views
from apps.notifications.forms import OutboxPasswordResetForm

API_DOCS_CSP = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})

urlpatterns = [
    path("", dashboard_views.overview, name="home"),
    path("start/", dashboard_views.landing, name="landing"),
    path("me/", dashboard_views.my_work, name="my-work"),
    path("search/", dashboard_views.search, name="search"),
    path("health/", core_views.health, name="health"),
    path("language/", core_views.language_set, name="language-set"),
    # Sign-in (Django's auth views are already marked login_not_required).
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "organisation/departments/progress/", dashboard_views.department_progress, name="department-progress"
    ),
    path("organisation/", include("apps.organization.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("metrics/", include("apps.metrics.urls")),
    path("plans/", include("apps.actions.urls")),
    path("committees/", include("apps.committees.urls")),
    path("incentives/", include("apps.incentives.urls")),
    path("feedback/", include("apps.feedback.urls")),
    path("help/", include("apps.help.urls")),
    # API
    path("api/v1/", include("config.api_router")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI and Redoc style their widgets inline and Redoc runs a blob: worker; their
    # scripts still come from the portal (the split view serves Swagger's set-up as a file).
    path(
        "api/v1/docs/",
        API_DOCS_CSP(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "api/v1/redoc/", API_DOCS_CSP(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"
    ),
]

handler400 = "config.error_views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
