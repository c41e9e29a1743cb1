"""The dietitian's workspace under /clients/: the client list, and each client's planner.

A client's week and day are the planner's own views with `client_id`: the same pages,
writes and fragments, scoped to the client's plan (404 unless actively linked).
"""

from django.urls import path

from plans import suggestion_views, views, workspace_views

app_name = "clients"

urlpatterns = [
    path("", workspace_views.client_list, name="list"),
    path("invite/", workspace_views.client_invite, name="invite"),
    path("<int:client_id>/", workspace_views.client_home, name="home"),
    path("<int:client_id>/week/<isodate:on>/", views.week, name="week"),
    path("<int:client_id>/day/<isodate:on>/", views.day_page, name="day"),
    path("<int:client_id>/day/<isodate:on>/meals/", views.meal_add, name="meal_add"),
    path("<int:client_id>/day/<isodate:on>/notes/", views.day_notes, name="day_notes"),
    path(
        "<int:client_id>/day/<isodate:on>/supplements/",
        views.supplement_log,
        name="supplement_log",
    ),
    path(
        "<int:client_id>/day/<isodate:on>/supplements/<int:pk>/",
        views.supplement_dose_add,
        name="supplement_dose_add",
    ),
    path("<int:client_id>/day/<isodate:on>/copy/", views.day_copy, name="day_copy"),
    # Suggestions and fill my day (plans/suggestion_views.py), on the client's plan.
    path(
        "<int:client_id>/day/<isodate:on>/suggestions/",
        suggestion_views.day_suggestions,
        name="day_suggestions",
    ),
    path(
        "<int:client_id>/day/<isodate:on>/suggestions/apply/",
        suggestion_views.suggestion_apply,
        name="suggestion_apply",
    ),
    path(
        "<int:client_id>/day/<isodate:on>/suggestions/undo/",
        suggestion_views.suggestion_undo,
        name="suggestion_undo",
    ),
    path("<int:client_id>/day/<isodate:on>/fill/", suggestion_views.fill_page, name="fill"),
    path(
        "<int:client_id>/day/<isodate:on>/fill/accept/",
        suggestion_views.fill_accept,
        name="fill_accept",
    ),
    path(
        "<int:client_id>/day/<isodate:on>/fill/undo/",
        suggestion_views.fill_undo,
        name="fill_undo",
    ),
]
