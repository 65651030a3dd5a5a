"""The "Ask a question" form: it parses and presents; the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.accounts.forms import PageForm
from essaim.communities.models import Membership
from essaim.core.text import MAX_BODY

from .actions import MAX_TITLE

MAX_TARGETS = 200


class AskForm(PageForm):
    title = forms.CharField(label=_("Your question"), max_length=MAX_TITLE, required=False,
                            help_text=_("One sentence, as you would ask a colleague."),
                            widget=forms.TextInput(attrs={"data-similar": True, "autocomplete": "off"}))
    body = forms.CharField(label=_("Details"), max_length=MAX_BODY, required=False, strip=False,
                           help_text=_("What you tried, what you expect. Markdown works."),
                           widget=forms.Textarea(attrs={"rows": 6, "data-autocomplete": True}))
    # Not a choice field: a place one may not post in is refused by the action, with its reason.
    community = forms.IntegerField(label=_("Where"), required=False, min_value=1, widget=forms.Select)
    topics = forms.CharField(label=_("Topics (optional)"), max_length=500, required=False,
                             help_text=_("Words separated by spaces, e.g. expenses travel."))

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        rows = (Membership.objects.filter(user_id=viewer.id, network_id=viewer.network_id)
                .select_related("community").order_by("community__name", "community_id")[:MAX_TARGETS])
        self.fields["community"].widget.choices = [("", _("All company"))] + [(m.community_id, m.community.name)
                                                                         for m in rows]
