from django.urls import path

from accounts import data_views, link_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.sign_up, name="sign_up"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("data/", data_views.data_page, name="data"),
    path("data/export.json", data_views.data_export_json, name="data_json"),
    path("data/export.zip", data_views.data_export_csv, name="data_csv"),
    path("data/delete/", data_views.account_delete_view, name="delete"),
    path("profile/", views.profile, name="profile"),
    # Two segments, so the wizard's one-segment steps below never shadow it.
    path("profile/target/drop/", views.profile_target_drop, name="profile_target_drop"),
    path("profile/<slug:step>/", views.profile_step, name="profile_step"),
    # Dietitian links: the person's settings, invitations by link or code, revoking.
    path("dietitians/", link_views.dietitians, name="dietitians"),
    path("dietitians/invite/", link_views.dietitian_invite, name="dietitian_invite"),
    path("dietitians/request/", link_views.dietitian_request, name="dietitian_request"),
    path("dietitians/<int:pk>/revoke/", link_views.dietitian_revoke, name="dietitian_revoke"),
    path("dietitians/<int:pk>/rights/", link_views.dietitian_rights, name="dietitian_rights"),
    path("invitations/code/", link_views.invitation_code, name="invitation_code"),
    path(
        "invitations/code/<str:code>/",
        link_views.invitation_by_code_page,
        name="invitation_by_code",
    ),
    path("invitations/<str:token>/", link_views.invitation, name="invitation"),
]
