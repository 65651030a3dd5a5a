"""Forms of the account pages: they parse and present; the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class PageForm(forms.Form):
    """Labels without a trailing colon, like the hand-written ones."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(PageForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordResetRequestForm(PageForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))


class NewPasswordForm(PageForm):
    password = forms.CharField(label=_("New password"), max_length=4096, strip=False,
                               help_text=_("At least 10 characters; not a common or all-digit password."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("New password, again"), max_length=4096, strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ChangePasswordForm(NewPasswordForm):
    current_password = forms.CharField(label=_("Current password"), max_length=4096, strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    field_order = ["current_password", "password", "password_again"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self):
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("This is not your current password."))
        return value


class AcceptInvitationForm(NewPasswordForm):
    display_name = forms.CharField(label=_("Your name"), max_length=120,
                                   help_text=_("As colleagues will see it, for example “Camille Martin”."),
                                   widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}))
    field_order = ["display_name", "password", "password_again"]


class DirectoryForm(PageForm):
    q = forms.CharField(label=_("Name"), max_length=120, required=False)
    department = forms.CharField(label=_("Department"), max_length=120, required=False)
    organization = forms.CharField(label=_("Organization"), max_length=120, required=False)
    skill = forms.CharField(label=_("Skill"), max_length=60, required=False)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    area = forms.CharField(label=_("Expertise area"), max_length=60, required=False,
                           widget=forms.TextInput(attrs={"list": "areas"}))


LANGUAGE_CHOICES = [("", _("Browser default")), ("en", "English"), ("fr", "Français")]


class ProfileForm(PageForm):
    display_name = forms.CharField(label=_("Display name"), max_length=120,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    handle = forms.CharField(label=_("Handle"), max_length=40,
                             help_text=_("Colleagues mention you with @handle: letters, digits, dots, dashes, "
                                         "underscores."))
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "organization-title"}))
    department = forms.CharField(label=_("Department or team"), max_length=120, required=False)
    organization = forms.CharField(label=_("Organization"), max_length=120, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    bio = forms.CharField(label=_("About you"), max_length=5000, required=False,
                          widget=forms.Textarea(attrs={"rows": 5}))
    skills = forms.CharField(label=_("Skills"), max_length=3000, required=False,
                             help_text=_("Separated by commas, for example: python, negotiation, German."))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)
    avatar = forms.FileField(label=_("Picture"), required=False,
                             help_text=_("JPEG, PNG, GIF or WebP, at most 5 MB. It is cropped to a square."),
                             widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,"
                                                                              "image/webp"}))
    remove_avatar = forms.BooleanField(label=_("Remove my picture"), required=False)

    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.cleaned_data.get("skills", "").split(",") if s.strip()]


class TokenForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           help_text=_("What the token is for, for example “CRM integration”."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple, initial=["read"])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"read": _("read: see what you can see"), "write": _("write: post, comment, react, join"),
                  "admin": _("admin: administration (administrators only)")}
        self.fields["scopes"].choices = [(s, labels[s]) for s in ApiToken.SCOPES if s != "admin" or user.is_admin]


class InviteForm(PageForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    is_admin = forms.BooleanField(label=_("Make this person an administrator"), required=False)


class PeopleSearchForm(PageForm):
    q = forms.CharField(label=_("Name or e-mail"), max_length=120, required=False)


class NetworkSettingsForm(PageForm):
    name = forms.CharField(label=_("Network name"), max_length=120)
    all_company_announcements_only = forms.BooleanField(
        label=_("All company: announcements only"), required=False,
        help_text=_("Only administrators may post to the All company feed, and their posts are announcements."))
    restrict_community_creation = forms.BooleanField(
        label=_("Only administrators create communities"), required=False,
        help_text=_("Otherwise anyone in the network may start a community."))
    gravatar_enabled = forms.BooleanField(
        label=_("Show Gravatar pictures"), required=False,
        help_text=_("Privacy: for people without an uploaded picture, browsers will ask gravatar.com for a "
                    "picture, which sends a hash of each person's e-mail address outside the company. "
                    "Such hashes can often be matched back to the address. Off by default."))
