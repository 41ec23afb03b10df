from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("ranking/", views.plan_ranking, name="plan-ranking"),
    path("responsibility/", views.responsibility_matrix, name="matrix"),
    path("new/", views.plan_create, name="plan-create"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("<int:pk>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("<int:pk>/updates/", views.progress_post, name="progress-post"),
    path("<int:pk>/impacts/", views.impact_add, name="impact-add"),
    path("impacts/<int:pk>/remove/", views.impact_remove, name="impact-remove"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone-done"),
    path("milestones/<int:pk>/comments/", views.milestone_comment, name="milestone-comment"),
]
