from django.urls import path

from . import views

app_name = "help"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("measurements-template.csv", views.csv_template, name="csv-template"),
    path("<slug:area>/", views.help_area, name="area"),
]
