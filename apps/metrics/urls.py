from django.urls import path

from . import views

app_name = "metrics"
urlpatterns = [
    path("", views.metric_list, name="metric-list"),
    path("hierarchy/", views.hierarchy, name="hierarchy"),
    path("hierarchy/<str:code>/children/", views.hierarchy_children, name="hierarchy-children"),
    path("new/", views.metric_create, name="metric-create"),
    path("links/new/", views.link_create, name="link-create"),
    path("links/<int:pk>/edit/", views.link_edit, name="link-edit"),
    path("links/<int:pk>/archive/", views.link_archive, name="link-archive"),
    path("links/<int:pk>/adopt-evidence/", views.link_adopt_evidence, name="link-adopt-evidence"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target-edit"),
    path("upload/", views.upload, name="upload"),
    path("rollups/", views.rollup_page, name="rollup"),
    path("<str:code>/", views.metric_detail, name="metric-detail"),
    path("<str:code>/edit/", views.metric_edit, name="metric-edit"),
    path("<str:code>/targets/new/", views.target_create, name="target-create"),
]
