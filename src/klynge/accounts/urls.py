from django.urls import path

from klynge.accounts.views import auth, invitations, profile

app_name = "accounts"
urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.password_change, name="password_change"),
    path("profile/tokens/", profile.create_token, name="create_token"),
    path("profile/tokens/<int:pk>/revoke/", profile.revoke_token, name="revoke_token"),
    path("invitations/", invitations.invitation_list, name="invitations"),
    path("invitations/new/", invitations.invitation_create, name="invite"),
    path("invitations/<int:pk>/revoke/", invitations.invitation_revoke, name="revoke_invitation"),
    path(
        "invitations/accept/<str:token>/", invitations.accept_invitation, name="accept_invitation"
    ),
]
