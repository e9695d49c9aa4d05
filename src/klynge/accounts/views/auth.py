from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from klynge.accounts.forms import LoginForm, QueuedPasswordResetForm
from klynge.core.permissions import public


def axes_username(request, credentials) -> str:
    """Axes counts failures per e-mail as typed, case folded."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return value.strip().lower()


def locked_out(request, original_response=None, credentials=None):
    """Shown instead of the login form after too many failed attempts (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().language
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                samesite="Lax",
                max_age=settings.LANGUAGE_COOKIE_AGE,
            )
        return response


login = public(LoginView.as_view())
logout = public(auth_views.LogoutView.as_view())
password_reset = public(
    auth_views.PasswordResetView.as_view(
        form_class=QueuedPasswordResetForm,
        template_name="accounts/password_reset.html",
        email_template_name="accounts/emails/password_reset.txt",
        subject_template_name="accounts/emails/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
        # The mail names the cluster, not the host name Django would use.
        extra_email_context={"site_name": settings.KLYNGE_CLUSTER_NAME},
    )
)
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)
