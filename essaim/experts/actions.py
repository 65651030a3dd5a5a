"""Every write about expertise: the per-place summaries (kept by jobs), endorsements, hidden areas,
routing preferences and routed questions."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.core.errors import Forbidden, InvalidInput, NotFound
from essaim.core.text import fold

from .models import MAX_WEEKLY, AreaKind, Endorsement, Expertise, ExpertiseArea, HiddenArea, RoutedQuestion, RoutingPreference
from .ranking import answer_clock, answer_quality

AREAS_PER_PLACE = 12  # topics and words kept per person and place
TERM_CANDIDATES = 30  # a person's most frequent title words, weighed by how rare they are
MAX_CONTRIBUTIONS = 5_000  # per person and kind: the latest
DEFAULT_WEEKLY = 3
ROUTE_AT_ONCE = 3  # people a question may be routed to at once
ROUTING_WINDOW = timedelta(days=7)


# ------------------------------------------------------------------ summaries (jobs)


def _chunks(ids, size: int = 500):
    ids = sorted(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def log_sum_exp(values) -> float | None:
    if not values:
        return None
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def do_refresh_expertise(user_ids) -> int:
    """Recompute what these people did, place by place: counts, topics and words (their latest
    MAX_CONTRIBUTIONS contributions of each kind). Idempotent; the `experts.index` job's work."""
    from essaim.accounts.models import User
    from essaim.questions.models import Answer
    from essaim.stream.models import Comment, Post, PostTopic

    done = 0
    for chunk in _chunks({int(u) for u in user_ids if u}):
        people = dict(User.objects.filter(id__in=chunk).values_list("id", "network_id"))
        counts: dict[tuple, dict] = defaultdict(lambda: Counter())
        last: dict[tuple, object] = {}
        # (user, place) -> {post_id: weight}: the threads that say what the person knows
        threads: dict[tuple, dict[int, float]] = defaultdict(dict)

        def seen(key, when):
            if when and (key not in last or when > last[key]):
                last[key] = when

        taken: Counter = Counter()

        def keep(kind: str, uid: int) -> bool:  # the latest MAX_CONTRIBUTIONS of each kind per person
            taken[(kind, uid)] += 1
            return taken[(kind, uid)] <= MAX_CONTRIBUTIONS

        answers = (Answer.objects.filter(author_id__in=chunk, deleted_at__isnull=True,
                                         question__deleted_at__isnull=True)
                   .order_by("-id").values_list("author_id", "question_id", "question__community_id", "score",
                                                "question__accepted_answer_id", "id", "created_at"))
        clocks: dict[tuple, list[float]] = defaultdict(list)
        last_answer: dict[tuple, object] = {}
        for uid, qid, place, score, accepted_id, aid, created in answers.iterator(chunk_size=2000):
            if not keep("answer", uid):
                continue
            key = (uid, place)
            clocks[key].append(answer_clock(created))
            if key not in last_answer or created > last_answer[key]:
                last_answer[key] = created
            counts[key]["answers"] += 1
            counts[key]["accepted"] += accepted_id == aid
            counts[key]["upvotes"] += max(score, 0)
            threads[key][qid] = threads[key].get(qid, 0.0) + answer_quality(score, accepted_id == aid)
            seen(key, created)
        posts = (Post.objects.filter(author_id__in=chunk, deleted_at__isnull=True).order_by("-id")
                 .values_list("author_id", "id", "community_id", "kind", "created_at"))
        for uid, pid, place, kind, created in posts.iterator(chunk_size=2000):
            if not keep("post", uid):
                continue
            key = (uid, place)
            counts[key]["questions" if kind == "question" else "posts"] += 1
            if kind != "question":  # asking about something is no sign of knowing it
                threads[key][pid] = threads[key].get(pid, 0.0) + 0.5
            seen(key, created)
        comments = (Comment.objects.filter(author_id__in=chunk, deleted_at__isnull=True, post__deleted_at__isnull=True)
                    .order_by("-id").values_list("author_id", "post__community_id", "created_at"))
        for uid, place, created in comments.iterator(chunk_size=2000):
            if not keep("comment", uid):
                continue
            key = (uid, place)
            counts[key]["comments"] += 1
            seen(key, created)
        post_ids = {pid for t in threads.values() for pid in t}
        topics: dict[int, list[str]] = defaultdict(list)
        titles: dict[int, str] = {}
        for ids in _chunks(post_ids, 900):
            for pid, name in PostTopic.objects.filter(post_id__in=ids).values_list("post_id", "topic__name"):
                topics[pid].append(name)
            titles.update(Post.objects.filter(id__in=ids).values_list("id", "title"))
        areas = _areas(people, threads, topics, titles)
        with transaction.atomic():
            Expertise.objects.filter(user_id__in=chunk).delete()
            ExpertiseArea.objects.filter(user_id__in=chunk).delete()
            Expertise.objects.bulk_create([
                Expertise(network_id=people[uid], user_id=uid, community_id=place, last_at=last.get((uid, place)),
                          answer_clock=log_sum_exp(clocks.get((uid, place))),
                          last_answer_at=last_answer.get((uid, place)), **{k: int(v) for k, v in c.items()})
                for (uid, place), c in counts.items() if uid in people])
            ExpertiseArea.objects.bulk_create(areas)
        done += len(people)
    return done


def _areas(people: dict, threads: dict, topics: dict, titles: dict) -> list[ExpertiseArea]:
    """The topics and title words of each person's threads, per place, weighed by the quality of
    their part in them (and, for words, by how rare the word is in the network)."""
    from essaim.search import ranking as search_ranking
    from essaim.search.query import STOP_WORDS, Query, Term
    from essaim.search.text import WORD_RE

    out: list[ExpertiseArea] = []
    word_weights: dict[tuple, Counter] = {}
    labels: dict[str, Counter] = defaultdict(Counter)
    for key, thread in threads.items():
        topic_weight: Counter = Counter()
        topic_count: Counter = Counter()
        words: Counter = Counter()
        for pid, w in thread.items():
            for name in topics.get(pid, ()):
                topic_weight[name] += w
                topic_count[name] += 1
            for token in {t.lower() for t in WORD_RE.findall(titles.get(pid) or "")}:
                k = fold(token)
                if len(k) < 3 or k.isdigit() or k in STOP_WORDS or len(k) > 60:
                    continue
                words[k] += w
                labels[k][token] += 1
        uid, place = key
        for name, weight in topic_weight.most_common(AREAS_PER_PLACE):
            out.append(ExpertiseArea(network_id=people.get(uid), user_id=uid, community_id=place, label=name[:60],
                                     key=fold(name)[:60], kind=AreaKind.TOPIC, weight=round(weight, 4),
                                     evidence=topic_count[name]))
        word_weights[key] = Counter(dict(words.most_common(TERM_CANDIDATES)))
    # how rare each word is in the network: from the search index, once for everyone here
    by_network: dict[int, set[str]] = defaultdict(set)
    for (uid, _place), ws in word_weights.items():
        if uid in people:
            by_network[people[uid]].update(ws)
    idf: dict[tuple[int, str], float] = {}
    for network_id, ws in by_network.items():
        ws = sorted(ws)
        for i in range(0, len(ws), 5000):  # PostgreSQL counts thousands of words in one pass
            part = ws[i:i + 5000]
            query = Query(clauses=[[Term("word", (w,))] for w in part])
            stats = search_ranking.estimated_stats(network_id, query) or search_ranking.stats_for(network_id, query)
            scorer = search_ranking.Scorer(query, stats)
            for w, value in zip(part, scorer.idf):
                idf[(network_id, w)] = value
    for (uid, place), ws in word_weights.items():
        if uid not in people:
            continue
        scored = sorted(((w * idf.get((people[uid], k), 0.0), k) for k, w in ws.items()), reverse=True)
        taken = 0
        for weight, k in scored:
            if taken >= AREAS_PER_PLACE // 2 or weight <= 0:
                break
            label = labels[k].most_common(1)[0][0]
            out.append(ExpertiseArea(network_id=people[uid], user_id=uid, community_id=place, label=label[:60],
                                     key=k, kind=AreaKind.TERM, weight=round(weight / 3, 4),
                                     evidence=int(ws[k] > 0)))
            taken += 1
    return [a for a in out if a.network_id]


# ------------------------------------------------------------------ endorsements and areas


def _same_network(*people) -> None:
    if len({p.network_id for p in people}) != 1:
        raise NotFound()


def do_endorse(user, skill_name: str, *, acting_user) -> bool:
    """Vouch for one of `user`'s declared skills. Returns False when already endorsed."""
    from .access import declared_skill

    _same_network(user, acting_user)
    if user.id == acting_user.id:
        raise Forbidden(_("You cannot endorse your own skills."), code="own_skill")
    if not user.is_active or not acting_user.is_active:
        raise NotFound()
    skill = declared_skill(user, skill_name)
    try:
        with transaction.atomic():
            Endorsement.objects.create(network_id=user.network_id, user=user, skill=skill, endorser=acting_user)
    except IntegrityError:
        return False
    return True


def do_withdraw_endorsement(user, skill_name: str, *, acting_user) -> bool:
    from .access import declared_skill

    _same_network(user, acting_user)
    skill = declared_skill(user, skill_name)
    deleted, _rows = Endorsement.objects.filter(user=user, skill=skill, endorser=acting_user).delete()
    return bool(deleted)


def clean_area_key(label) -> str:
    key = fold(" ".join(str(label or "").split()))[:60]
    if not key or "\x00" in key:
        raise InvalidInput(_("Name an area."), code="invalid_area")
    return key


def do_hide_area(user, label, *, acting_user, hidden: bool = True) -> bool:
    """Hide (or show again) an inferred area on the person's own profile."""
    _same_network(user, acting_user)
    if user.id != acting_user.id:
        raise Forbidden(_("Only the person may hide their areas."), code="not_yours")
    key = clean_area_key(label)
    if not hidden:
        return bool(HiddenArea.objects.filter(user=user, key=key).delete()[0])
    _row, created = HiddenArea.objects.get_or_create(user=user, key=key, defaults={"network_id": user.network_id})
    return created


# ------------------------------------------------------------------ routing


def clean_weekly_limit(value) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if isinstance(value, bool) or not 1 <= n <= MAX_WEEKLY:
        raise InvalidInput(_("The weekly limit is between 1 and %(max)d.") % {"max": MAX_WEEKLY},
                           code="invalid_weekly_limit")
    return n


def do_set_routing(user, *, acting_user, accepts_questions: bool | None = None, weekly_limit=None):
    _same_network(user, acting_user)
    if user.id != acting_user.id:
        raise Forbidden(_("Only the person may choose this."), code="not_yours")
    limit = clean_weekly_limit(weekly_limit) if weekly_limit is not None else None
    if accepts_questions is not None and not isinstance(accepts_questions, bool):
        raise InvalidInput(_("accepts_questions is true or false."), code="invalid_value")
    with transaction.atomic():
        pref, _created = RoutingPreference.objects.select_for_update().get_or_create(
            user=user, defaults={"network_id": user.network_id, "weekly_limit": DEFAULT_WEEKLY})
        if accepts_questions is not None:
            pref.accepts_questions = accepts_questions
        if limit is not None:
            pref.weekly_limit = limit
        pref.updated_at = timezone.now()
        pref.save()
    return pref


def routed_this_week(user_ids, now=None) -> dict[int, int]:
    """How many questions were put to each of these people in the last ROUTING_WINDOW (one query)."""
    from django.db.models import Count

    now = now or timezone.now()
    return dict(RoutedQuestion.objects.filter(expert_id__in=list(user_ids), created_at__gte=now - ROUTING_WINDOW)
                .values("expert_id").annotate(n=Count("id")).values_list("expert_id", "n"))


def routing_refusals(question, people) -> dict[int, str]:
    """For each of these people, why the question cannot be put to them now ("" when it can):
    access.routing_refusal with their preference, whether they were asked and their week's count."""
    from .access import routing_refusal

    ids = [p.id for p in people]
    prefs = {p.user_id: p for p in RoutingPreference.objects.filter(user_id__in=ids)}
    asked = set(RoutedQuestion.objects.filter(question=question, expert_id__in=ids).values_list("expert_id",
                                                                                               flat=True))
    week = routed_this_week(ids)
    return {p.id: routing_refusal(p, question, prefs.get(p.id), asked=p.id in asked, this_week=week.get(p.id, 0))
            for p in people}


def do_route_question(question, expert_ids, *, acting_user) -> list[int]:
    """Put the question to these people (at most ROUTE_AT_ONCE) when access.routing_refusal lets
    it (they accept routed questions, are under their weekly limit, may read the question, were
    not asked it already); the others are skipped. Returns the ids of the people notified."""
    from essaim.accounts.models import User
    from essaim.notifications.actions import notify
    from essaim.notifications.models import Kind

    from .access import can_route

    if not can_route(acting_user, question):
        raise Forbidden(_("Only the asker or a moderator may ask people to answer."), code="cannot_route")
    ids = []
    for e in expert_ids:
        try:
            n = int(e)
        except (TypeError, ValueError):
            raise InvalidInput(_("Name people by their ids."), code="invalid_people") from None
        if n not in ids:
            ids.append(n)
    if len(ids) > ROUTE_AT_ONCE:
        raise InvalidInput(_("Ask at most %(max)d people at once.") % {"max": ROUTE_AT_ONCE}, code="too_many_people")
    with transaction.atomic():
        # Locked: two askers at once cannot both take a person's last place of the week.
        people = list(User.objects.select_for_update().filter(id__in=ids, network_id=question.network_id)
                      .exclude(id=acting_user.id).order_by("id"))
        refusals = routing_refusals(question, people)
        routed = [p.id for p in people if not refusals[p.id]]
        now = timezone.now()
        RoutedQuestion.objects.bulk_create([RoutedQuestion(network_id=question.network_id, question=question,
                                                           expert_id=pid, asked_by=acting_user, created_at=now)
                                            for pid in routed])
        if routed:
            notify(routed, kind=Kind.QUESTION_ROUTED, actor=acting_user, network_id=question.network_id,
                   post=question)
    return routed
