"""Forms of the expertise pages: they parse and present; the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.accounts.forms import PageForm

from .actions import MAX_WEEKLY
from .ranking import MAX_TEXT

MAX_COMMUNITIES = 200  # places offered in the "in" list


def readable_communities(viewer):
    """The communities whose content the viewer may read (open ones, and their own), by name."""
    from essaim.communities.access import communities_readable_by
    from essaim.communities.models import Community

    return communities_readable_by(Community.objects.all(), viewer).order_by("sort_name", "id")[:MAX_COMMUNITIES]


class ExpertSearchForm(PageForm):
    q = forms.CharField(label=_("What do you need to know?"), max_length=MAX_TEXT, required=False,
                        help_text=_("A few words, or a whole question."),
                        widget=forms.Textarea(attrs={"rows": 3}))
    community = forms.ChoiceField(label=_("In"), required=False)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {c.slug: c for c in readable_communities(viewer)}
        self.fields["community"].choices = [("", _("Every place I can read"))] + [
            (slug, c.name) for slug, c in self.communities.items()]

    def community_ids(self) -> list[int]:
        slug = self.cleaned_data.get("community")
        return [self.communities[slug].id] if slug else []


class RoutingForm(PageForm):
    accepts_questions = forms.BooleanField(
        label=_("Let people ask me to answer questions that match my expertise"), required=False)
    # Not a choice field: a value out of range is refused by the action, with its reason.
    weekly_limit = forms.IntegerField(label=_("Questions a week, at most"),
                                      widget=forms.Select(choices=[(n, n) for n in range(1, MAX_WEEKLY + 1)]))
