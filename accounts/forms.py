"""Forms of the accounts app: the e-mail login, the admin's user forms, invitations."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from .models import Role, User


def add_service_errors(form: forms.Form, error: ValidationError, *, field_names: dict | None = None) -> None:
    """Put a service's ValidationError on the form: under its field where the form has one (through
    ``field_names`` where the service names it differently), else above the form."""
    for name, messages in error.update_error_dict({}).items():
        name = (field_names or {}).get(name, name)
        form.add_error(name if name in form.fields else None, messages)


class LoginForm(AuthenticationForm):
    """Django's login form with the username field presented as the e-mail address it is."""

    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self):
        # Addresses are stored lower-cased (UserManager), so match them the same way.
        return self.cleaned_data["username"].lower()

    @sensitive_variables("password")
    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            # django-axes reads the address from the credentials under the user model's
            # USERNAME_FIELD ("email") unless configured otherwise; naming it both ways keeps
            # the lockout keyed on the address whichever it reads.
            self.user_cache = authenticate(self.request, username=email, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's sign-in: the same e-mail login and throttling, for active staff only."""


class UserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "vendor")

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class InvitationForm(forms.Form):
    """A vendor administrator invites a person of its own organisation."""

    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(
        choices=[(role.value, role.label) for role in (Role.VENDOR_USER, Role.VENDOR_ADMIN)],
        initial=Role.VENDOR_USER,
        help_text="Vendor administrators can also invite and deactivate your organisation's users.",
    )

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class InvitationAcceptForm(forms.Form):
    """The invitee's name and password; the password rules are checked by the service."""

    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain sentences: the field partial puts help text inside a paragraph, where a list cannot go.
        self.fields["password"].help_text = " ".join(password_validation.password_validators_help_texts())

    def clean(self):
        data = super().clean()
        password, again = data.get("password"), data.get("password_confirm")
        if password and again and password != again:
            self.add_error("password_confirm", "The two passwords differ.")
        return data
