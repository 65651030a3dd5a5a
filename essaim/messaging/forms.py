"""Forms of the direct-message pages: they parse and present; the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.accounts.forms import PageForm
from essaim.core.text import MAX_BODY

from .models import MAX_TITLE

# The people field is a one-line textarea so that the @mention autocomplete (autocomplete.js,
# which upgrades textarea[data-autocomplete]) helps pick colleagues; without JavaScript people
# type @handles or e-mail addresses.
PEOPLE_WIDGET = {"rows": 1, "data-autocomplete": True, "autocomplete": "off", "spellcheck": "false"}


class NewConversationForm(PageForm):
    to = forms.CharField(label=_("To"), max_length=5000,
                         help_text=_("@handles or e-mail addresses, separated by spaces. Type @ to find a "
                                     "colleague. Two people or more make a group conversation."),
                         widget=forms.Textarea(attrs=PEOPLE_WIDGET))
    title = forms.CharField(label=_("Title (groups only, optional)"), max_length=MAX_TITLE, required=False)
    body = forms.CharField(label=_("Message"), max_length=MAX_BODY, required=False, strip=False,
                           help_text=_("Markdown works."),
                           widget=forms.Textarea(attrs={"rows": 4, "data-autocomplete": True}))


class AddPeopleForm(PageForm):
    who = forms.CharField(label=_("Add people"), max_length=5000,
                          help_text=_("@handles or e-mail addresses, separated by spaces."),
                          widget=forms.Textarea(attrs=PEOPLE_WIDGET))


class RenameForm(PageForm):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE, required=False,
                            help_text=_("Empty: the participants' names show instead."))
