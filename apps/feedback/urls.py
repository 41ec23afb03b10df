from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.item_detail, name="item-detail"),
    path("<int:pk>/acknowledge/", views.item_acknowledge, name="item-acknowledge"),
    path("<int:pk>/decline/", views.item_decline, name="item-decline"),
    path("<int:pk>/route/", views.item_route, name="item-route"),
    path("<int:pk>/close/", views.item_close, name="item-close"),
    path("<int:pk>/reopen/", views.item_reopen, name="item-reopen"),
    path("<int:pk>/handled/", views.item_handled, name="item-handled"),
    path("<int:pk>/duplicate/", views.item_duplicate, name="item-duplicate"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_create, name="rule-create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("themes/", views.theme_list, name="theme-list"),
    path("themes/<slug:topic>/", views.theme_detail, name="theme-detail"),
    path("themes/<slug:topic>/agenda/", views.theme_agenda, name="theme-agenda"),
    path("plans/<int:pk>/tell/", views.plan_tell, name="plan-tell"),
]
