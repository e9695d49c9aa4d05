from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.template import loader
from django.utils.translation import gettext_lazy as _

from klynge.accounts.models import InvitationRole
from klynge.core.tasks import send_email
from klynge.ecosystem.models import Organisation


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("That e-mail and password do not match an account. Try again."),
        "inactive": _("This account is not active."),
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the e-mail goes through the task queue after commit."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: send_email.enqueue(to=[to_email], subject=subject, body=body))


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from klynge.accounts.roles import roles_for
        from klynge.accounts.selectors import invitation_roles_for

        roles = roles_for(user)
        allowed = invitation_roles_for(user)
        self.fields["role"].choices = [c for c in InvitationRole.choices if c[0] in allowed]
        if user.is_staff:
            self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=roles.administered_ids
            ).order_by("name")
            self.fields["organisation"].required = True
            self.fields["organisation"].empty_label = None


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Browser's choice")), *list(settings.LANGUAGES)],
        required=False,
    )
    title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “reporting script”."),
    )
