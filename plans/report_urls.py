"""URLs of the dietitian's tools (under /clients/) and of a person's own report (under /plan/).

Client-scoped paths carry `client_id`, so the access matrix generated from the URL
configuration covers them.
"""

from django.urls import path

from plans import report_views

app_name = "reports"

urlpatterns = [
    path("clients/templates/", report_views.templates_page, name="templates"),
    path(
        "clients/templates/<str:kind>/<int:pk>/delete/",
        report_views.template_delete,
        name="template_delete",
    ),
    path("clients/<int:client_id>/tools/", report_views.client_tools, name="client_tools"),
    path("clients/<int:client_id>/target/", report_views.client_target, name="client_target"),
    path(
        "clients/<int:client_id>/day/<isodate:on>/dietitian-notes/",
        report_views.note_add,
        name="note_add",
    ),
    path(
        "clients/<int:client_id>/dietitian-notes/<int:pk>/delete/",
        report_views.note_delete,
        name="note_delete",
    ),
    path(
        "clients/<int:client_id>/templates/save/",
        report_views.template_save,
        name="template_save",
    ),
    path(
        "clients/<int:client_id>/templates/assign/",
        report_views.template_assign,
        name="template_assign",
    ),
    path(
        "clients/<int:client_id>/report/<str:kind>/",
        report_views.client_report,
        name="client_report",
    ),
    path("plan/report/", report_views.own_report_page, name="own_report_page"),
    path("plan/report/<str:kind>/", report_views.own_report, name="own_report"),
]
