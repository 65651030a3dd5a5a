"""Forms of the community pages: they parse and present; the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.accounts.forms import PageForm

from .models import Role, Visibility

VISIBILITY_HELP = {
    Visibility.OPEN: _("Listed in the directory; anyone in the network can read it and join."),
    Visibility.PRIVATE: _("Listed with its name and description; only members read it; people ask to join and "
                          "an owner or moderator accepts them."),
    Visibility.SECRET: _("Invisible to non-members; owners and moderators add people."),
}


class CommunityForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  help_text=_("What the community is for and who should join."),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, initial=Visibility.OPEN,
                                   widget=forms.RadioSelect)
    slug = forms.CharField(label=_("Short name"), max_length=40, required=False,
                           help_text=_("Used to @mention the community. Letters, digits, dots, dashes, "
                                       "underscores; made from the name when empty."))

    def visibility_choices(self):
        """(radio, explanation) pairs for the template."""
        return [(radio, VISIBILITY_HELP[radio.data["value"]]) for radio in self["visibility"]]


class AddMemberForm(PageForm):
    who = forms.CharField(label=_("Colleague"), max_length=254,
                          help_text=_("Their @handle or e-mail address."))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, can_choose_role: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_choose_role:
            self.fields["role"].choices = [(Role.MEMBER, Role.MEMBER.label)]


class RoleForm(PageForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinRequestForm(PageForm):
    message = forms.CharField(label=_("Message to the owners (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class SearchForm(PageForm):
    q = forms.CharField(label=_("Search communities"), max_length=100, required=False)
