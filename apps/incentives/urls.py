from django.urls import path

from . import views

app_name = "incentives"
urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("new/", views.plan_create, name="plan-create"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("<int:pk>/submit/", views.plan_submit, name="plan-submit"),
    path("<int:pk>/approve/", views.plan_approve, name="plan-approve"),
    path("<int:pk>/send-back/", views.plan_send_back, name="plan-send-back"),
    path("<int:pk>/close/", views.plan_close, name="plan-close"),
    path("<int:pk>/results.csv", views.results_csv, name="results-csv"),
    path("<int:pk>/components/new/", views.component_add, name="component-add"),
    path("components/<int:pk>/edit/", views.component_edit, name="component-edit"),
    path("components/<int:pk>/remove/", views.component_remove, name="component-remove"),
    path("<int:pk>/participants/new/", views.participant_add, name="participant-add"),
    path("<int:pk>/participants/import/", views.participants_import, name="participants-import"),
    path("participants/<int:pk>/edit/", views.participant_edit, name="participant-edit"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant-remove"),
    path("participants/<int:pk>/", views.scorecard, name="scorecard"),
    path("participants/<int:pk>/what-if/", views.scorecard_what_if, name="what-if"),
    path("participants/<int:pk>/statement.pdf", views.statement_pdf, name="statement-pdf"),
]
