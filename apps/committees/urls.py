from django.urls import path

from . import views

app_name = "committees"
urlpatterns = [
    path("", views.committee_list, name="committee-list"),
    path("new/", views.committee_create, name="committee-create"),
    path("<int:pk>/", views.committee_detail, name="committee-detail"),
    path("<int:pk>/edit/", views.committee_edit, name="committee-edit"),
    path("<int:pk>/reviews/new/", views.review_schedule, name="review-schedule"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/open/", views.review_open, name="review-open"),
    path("reviews/<int:pk>/items/", views.item_add, name="item-add"),
    path("reviews/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("reviews/<int:pk>/close/", views.review_close, name="review-close"),
    path("reviews/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("reviews/<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes-pdf"),
    path("items/<int:pk>/remove/", views.item_remove, name="item-remove"),
    path("items/<int:pk>/move/", views.item_move, name="item-move"),
    path("items/<int:pk>/notes/", views.note_add, name="note-add"),
    path("items/<int:pk>/decisions/", views.decision_add, name="decision-add"),
    path("decisions/<int:pk>/status/", views.decision_status, name="decision-status"),
    path("decisions/", views.decision_list, name="decision-list"),
    path("proposals/", views.proposal_list, name="proposal-list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
]
