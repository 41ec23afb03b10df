from django.urls import path

from . import views

app_name = "organization"
urlpatterns = [
    path("departments/", views.department_list, name="department-list"),
    path("departments/new/", views.department_create, name="department-create"),
    path("departments/<int:pk>/", views.department_detail, name="department-detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("departments/<int:pk>/archive/", views.department_archive, name="department-archive"),
    path("channels/", views.channel_list, name="channel-list"),
    path("channels/new/", views.channel_create, name="channel-create"),
    path("channels/<int:pk>/edit/", views.channel_edit, name="channel-edit"),
    path("channels/<int:pk>/archive/", views.channel_archive, name="channel-archive"),
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
