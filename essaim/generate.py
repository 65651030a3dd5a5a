"""`essaim generate --tier S|M|L [--seed N]`: a realistic network to measure, the same for the same seed.

| tier | people | posts | communities | follow edges |
| --- | --- | --- | --- | --- |
| S | 10 | 1,000 | 6 | about 40 |
| M | 2,000 | 200,000 | 200 | about 100,000 |
| L | 200,000 | 2,000,000 | 10,000 | about 10,000,000 |

- People with French and English names; how sociable each one is follows a power law (a few
  people are everywhere, most in a few places), which drives whom they follow, which communities
  they join and how much they write.
- Three company-wide communities with everyone; the others with power-law sizes (the largest
  about 40% of the people, the smallest a handful), three in four open, the rest private or
  secret. The administrator who generates owns them all.
- About 50 follows per person, followees drawn by sociability (a power-law in-degree).
- Posts dated over the two years before `end`, 8% in All company, 4% in each company-wide
  community, the rest by community size; French and English text from a Zipf vocabulary; 5% are
  questions, answered 0 to 3 times, half of the answered ones with an accepted answer; about 0.6
  comments and one reaction per post, by people who may read them.

Everything is written through the bulk actions (accounts, communities, stream, questions), which
keep the counters exact and queue the search and expertise jobs. What those jobs ask for is done
here before the command returns, each object and each person once (every search entry, then
everyone's expertise summary), and on PostgreSQL the tables end vacuumed and analysed. A network holds
one generated population: a second run refuses. `fingerprint()` digests what was generated, to
check that the same seed gives the same data.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MARKER_SLUG = "gen-company-news"  # the first company-wide community: a network holds one generated population
ADMIN_EMAIL = "admin@generated.essaim.test"
ADMIN_PASSWORD = "essaim-generated"


@dataclass(frozen=True)
class Tier:
    people: int
    posts: int
    communities: int
    follows_per_person: float


TIERS = {
    "S": Tier(people=10, posts=1_000, communities=6, follows_per_person=4),
    "M": Tier(people=2_000, posts=200_000, communities=200, follows_per_person=50),
    "L": Tier(people=200_000, posts=2_000_000, communities=10_000, follows_per_person=50),
}

FIRST = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Jade", "Louise", "Emma", "Alice", "Lucas", "Hugo",
         "Louis", "Gabriel", "Arthur", "Jules", "Nathan", "Théo", "Raphaël", "Paul", "Olivia", "Amelia", "Isla",
         "Ava", "Mia", "Grace", "Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Oscar", "Charlie", "Yasmine",
         "Karim", "Mehdi", "Fatou", "Moussa", "Aïcha", "Nguyen", "Mei", "Hiroshi", "Priya", "Arjun", "Sofia",
         "Mateo", "Lucía", "Björn", "Ingrid")
LAST = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
        "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Smith", "Jones",
        "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker", "Wright", "Thompson",
        "White", "Hughes", "Edwards", "Green", "Diallo", "Traoré", "Benali", "Haddad", "Nguyen", "Tanaka",
        "Müller", "Schmidt", "Rossi", "Silva", "Kowalski", "Novak", "Jensen", "O'Brien", "Kumar")
COMPANY_WIDE = (("Company news", MARKER_SLUG, "Actualités et annonces de l'entreprise / company news."),
                ("Entraide IT", "gen-it-help", "Questions et réponses sur les outils / IT help."),
                ("Vie de l'entreprise", "gen-company-life", "Événements, sport, afterworks / company life."))
KINDS_OF_COMMUNITY = ("Projet {}", "Équipe {}", "Club {}", "{} guild", "{} team", "Atelier {}", "{} network")
REACTIONS = (("like", 60), ("celebrate", 12), ("support", 10), ("insightful", 12), ("funny", 6))


def _ascii(word: str) -> str:
    from essaim.core import text

    return "".join(ch for ch in text.fold(word) if ch.isalnum())


class Weighted:
    """Draws from a list with fixed weights (cumulative, bisect): k draws in O(k log n)."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cum = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random, k: int = 1) -> list:
        return rng.choices(self.items, cum_weights=self.cum, k=k)

    def one(self, rng: random.Random):
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1]) if len(self.items) > 1 else 0]

    def distinct(self, rng: random.Random, k: int) -> list:
        """k different items (all when k >= len), the likelier first; falls back to a uniform fill."""
        if k >= len(self.items):
            return list(self.items)
        chosen: dict = {}
        for _round in range(4):
            for item in self.draw(rng, 2 * (k - len(chosen)) + 8):
                chosen.setdefault(item, None)
                if len(chosen) == k:
                    return list(chosen)
        rest = [i for i in self.items if i not in chosen]
        chosen.update(dict.fromkeys(rng.sample(rest, k - len(chosen))))
        return list(chosen)


def generate(tier: str, *, seed: int = 1, end: datetime | None = None, network=None, say=print) -> dict:
    """Generate a tier into `network` (default: the default network, created when missing). Returns
    what was made and how long each step took."""

    from django.db import connection

    from essaim.accounts import actions as accounts
    from essaim.accounts.models import User
    from essaim.bench import refresh_planner_statistics
    from essaim.cli import CommandError, default_network
    from essaim.communities import actions as communities
    from essaim.communities.models import Community
    from essaim.core.bulk import chunks
    from essaim.core.jobs import run_batched
    from essaim.experts.jobs import JOB as EXPERTS_JOB
    from essaim.questions import actions as questions
    from essaim.search.backends import bulk_loading
    from essaim.search.bench import VOCABULARY, _cumulative, vocabulary
    from essaim.search.bench import body as sentence
    from essaim.stream import actions as stream

    size = TIERS[tier]
    rng = random.Random(seed)
    end = (end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
    network = network or default_network()
    if Community.objects.filter(network=network, slug=MARKER_SLUG).exists():
        raise CommandError(f"the network {network.name!r} already holds generated data: generate into an empty "
                           "database (ESSAIM_DATABASE_URL / ESSAIM_DATA_DIR).")
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    started = clock

    def step(name: str, detail: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 1)
        clock = now
        say(f"  {detail} ({timings[name]:.1f} s)")

    # -- people
    admin = User.objects.filter(network=network, email__iexact=ADMIN_EMAIL).first()
    if admin is None:
        admin = accounts.do_create_user(network, email=ADMIN_EMAIL, display_name="Generated Admin",
                                        password=ADMIN_PASSWORD, is_admin=True, handle="generated-admin")
    taken = set()
    people_rows = []
    for i in range(size.people):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        base = f"{_ascii(first)}.{_ascii(last)}"[:34] or "person"
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base}{n}"
        taken.add(handle)
        people_rows.append((f"{first} {last}", handle))
    from essaim.core.models import Name

    handles = sorted(taken)
    clash = set()
    for part in chunks(handles, 10_000):
        clash.update(Name.objects.filter(network=network, name__in=part)
                     .values_list("name", flat=True))
    if clash:
        raise CommandError(f"these handles are taken in the network: {', '.join(sorted(clash)[:5])}; generate into "
                           "an empty database.")
    person_ids = accounts.do_bulk_create_people(network, people_rows)
    users = _load_users(person_ids)
    ranks = list(range(1, len(person_ids) + 1))
    rng.shuffle(ranks)
    sociability = [1.0 / r ** 0.8 for r in ranks]
    everyone = Weighted(person_ids, sociability)
    weight_of = dict(zip(person_ids, sociability))
    step("people", f"{len(person_ids):,} people")

    # -- communities and memberships
    words = vocabulary()
    cum = _cumulative(VOCABULARY)
    specs = [(name, slug, "open", description) for name, slug, description in COMPANY_WIDE]
    for k in range(size.communities - len(COMPANY_WIDE)):
        name = rng.choice(KINDS_OF_COMMUNITY).format(rng.choice(words[:2000]).capitalize())
        roll = rng.random()
        visibility = "open" if roll < 0.75 else "private" if roll < 0.9 else "secret"
        specs.append((f"{name} {k + 1}", f"gen-c{k + 1}", visibility, f"{name}: {sentence(rng, words, cum)}"))
    community_ids = communities.do_bulk_create_communities(admin, specs)
    place_objects = {c.id: c for c in Community.objects.filter(id__in=community_ids)}
    members: dict[int, list[int]] = {}
    for k, cid in enumerate(community_ids):
        if k < len(COMPANY_WIDE):
            members[cid] = list(person_ids)
        else:
            target = max(3, round(len(person_ids) * 0.4 / (k - len(COMPANY_WIDE) + 1) ** 0.9))
            members[cid] = everyone.distinct(rng, min(target, len(person_ids)))
    writers = Writers()  # batches of disjoint communities: two at once on PostgreSQL
    batch: dict[int, list[int]] = {}
    size_of_batch = 0
    for cid in community_ids:
        batch[cid] = members[cid]
        size_of_batch += len(members[cid])
        if size_of_batch >= 200_000:
            writers.submit(communities.do_bulk_add_members, batch, acting_user=admin)
            batch, size_of_batch = {}, 0
    if batch:
        writers.submit(communities.do_bulk_add_members, batch, acting_user=admin)
    joined = writers.total()
    step("communities", f"{len(community_ids):,} communities, {joined:,} memberships")

    # -- follows
    writers = Writers()  # batches of disjoint followers
    pending: list[tuple[int, int]] = []
    mean = size.follows_per_person
    for pid in person_ids:
        degree = min(len(person_ids) - 1, max(1, round(mean / 3 * rng.paretovariate(1.5))), 5000)
        chosen = {f for f in everyone.draw(rng, degree + 2) if f != pid}
        pending.extend((pid, f) for f in sorted(chosen)[:degree])
        if len(pending) >= 500_000:
            writers.submit(accounts.do_bulk_follow, network, pending)
            pending = []
    if pending:
        writers.submit(accounts.do_bulk_follow, network, pending)
    follows = writers.total()
    step("follows", f"{follows:,} follows")

    # -- posts and questions
    span = 730 * 24 * 3600
    stamps = sorted(rng.random() * span for _ in range(size.posts))
    company_wide = set(community_ids[:len(COMPANY_WIDE)])
    others = sum(len(members[cid]) ** 0.9 for cid in community_ids if cid not in company_wide) or 1
    share = 1 - 0.08 - 0.04 * len(company_wide)
    place_of = Weighted([None, *community_ids], [0.08] + [
        0.04 if cid in company_wide else share * len(members[cid]) ** 0.9 / others for cid in community_ids])
    authors_of = {cid: Weighted(members[cid], [weight_of[m] for m in members[cid]]) for cid in community_ids}
    authors_of[None] = everyone
    post_place: dict[int, int | None] = {}
    post_time: dict[int, datetime] = {}
    question_ids: list[int] = []
    made = 0
    for window in range(0, size.posts, 20_000):
        items = []
        for offset in stamps[window:window + 20_000]:
            place = place_of.one(rng)
            who = users[authors_of[place].one(rng)]
            when = end - timedelta(seconds=span - offset)
            title = ""
            if rng.random() < 0.05:
                title = " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(4, 9))).capitalize() + " ?"
            items.append((sentence(rng, words, cum), when, who, title, place_objects.get(place)))
        ids = stream.do_bulk_create_posts(admin, items)  # in time order: the newest posts have the highest ids
        for post_id, item in zip(ids, items):
            post_place[post_id] = item[4] and item[4].id
            post_time[post_id] = item[1]
            if item[3]:
                question_ids.append(post_id)
        made += len(items)
        if made % 200_000 == 0 or made == size.posts:
            say(f"  {made:,} / {size.posts:,} posts ({time.perf_counter() - clock:.0f} s)")
    step("posts", f"{made:,} posts, {len(question_ids):,} of them questions")

    # -- comments, reactions, answers
    post_ids = sorted(post_place)
    readers = authors_of  # whoever may post in a place may read, comment on and answer what is there
    comments = 0
    for window in range(0, int(size.posts * 0.6), 50_000):
        items = []
        for _ in range(min(50_000, int(size.posts * 0.6) - window)):
            post_id = rng.choice(post_ids)
            who = users[readers[post_place[post_id]].one(rng)]
            when = min(end, post_time[post_id] + timedelta(seconds=rng.expovariate(1 / 10_800)))
            items.append((post_id, who, sentence(rng, words, cum)[:400], when))
        comments += len(stream.do_bulk_create_comments(network.id, items))
    step("comments", f"{comments:,} comments")
    kinds = Weighted([k for k, _w in REACTIONS], [w for _k, w in REACTIONS])
    reactions = 0
    for window in range(0, size.posts, 100_000):
        seen, items = set(), []
        for _ in range(min(100_000, size.posts - window)):
            post_id = rng.choice(post_ids)
            who = readers[post_place[post_id]].one(rng)
            key = (who, post_id, kinds.one(rng))
            if key not in seen:
                seen.add(key)
                items.append((users[who], post_id, key[2]))
        reactions += stream.do_bulk_react(network.id, items)
    step("reactions", f"{reactions:,} reactions")
    answers, accepted = [], 0
    for qid in question_ids:
        n = rng.choice((0, 1, 1, 2, 3))
        pick = rng.randrange(n) if n and rng.random() < 0.5 else -1
        accepted += pick >= 0
        for i in range(n):
            who = users[readers[post_place[qid]].one(rng)]
            when = min(end, post_time[qid] + timedelta(seconds=rng.expovariate(1 / 21_600)))
            answers.append((qid, who, sentence(rng, words, cum), when, i == pick))
    made_answers = 0
    for part in chunks(answers, 50_000):
        made_answers += len(questions.do_bulk_answer(network.id, part))
    step("answers", f"{made_answers:,} answers, {accepted:,} accepted")

    # -- the jobs the bulk actions queued: search index, expertise summaries; planner statistics
    refresh_planner_statistics()  # the entries read what was just written: without statistics, by full scans
    with bulk_loading():  # PostgreSQL builds its text index once, at the end
        indexed = index_everything()  # every object once, however many jobs named it
        run_batched("search.index", lambda rows: None)  # what those jobs asked for is done
    refresh_planner_statistics()  # the expertise summaries count words through the fresh index
    step("index", f"search index ({indexed:,} entries)")
    summarised = summarise_everyone(network.id)
    run_batched(EXPERTS_JOB, lambda rows: None)  # what those jobs asked for is done
    step("experts", f"expertise summaries ({summarised:,} people)")
    if connection.vendor == "postgresql":  # settled as autovacuum would leave it, before anything is measured
        refresh_planner_statistics(vacuum=True)
        step("vacuum", "VACUUM and ANALYZE")
    return {"tier": tier, "seed": seed, "end": end.isoformat(), "network_id": network.id, "people": len(person_ids),
            "communities": len(community_ids), "memberships": joined, "follows": follows, "posts": made,
            "questions": len(question_ids), "comments": comments, "reactions": reactions, "answers": made_answers,
            "accepted": accepted, "seconds": round(time.perf_counter() - started, 1), "steps": timings}


class Writers:
    """Bulk actions on batches that touch disjoint rows, run on two database connections at once on
    PostgreSQL (the database, not this process, is what they wait for), one after the other
    elsewhere or inside a transaction. total() waits for them all and adds up what they returned; an error is raised there."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connection

        # Other connections cannot see what an open transaction wrote: then one after the other too.
        self.at_once = 2 if connection.vendor == "postgresql" and not connection.in_atomic_block else 1
        self.pool = ThreadPoolExecutor(self.at_once) if self.at_once > 1 else None
        self.running: list = []
        self.done = 0

    def submit(self, action, *args, **kwargs) -> None:
        if self.pool is None:
            self.done += action(*args, **kwargs)
            return
        while len(self.running) >= self.at_once:  # bounded: at most one batch waiting per connection
            self.done += self.running.pop(0).result()
        self.running.append(self.pool.submit(_on_own_connection, action, *args, **kwargs))

    def total(self) -> int:
        try:
            while self.running:
                self.done += self.running.pop(0).result()
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        return self.done


def index_everything() -> int:
    """The search entries of everything, each object once (search.indexing.reindex_all). On
    PostgreSQL outside a transaction, in two processes at once, posts in one and every other kind
    in the other: building entries (words, stems) is Python's work, one core per process."""
    from django.db import connection, connections

    from essaim.search import indexing

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return sum(indexing.reindex_all().values())
    import multiprocessing

    connections.close_all()  # a forked process must not share a connection
    parts = [("post",), tuple(k for k in indexing.kinds() if k != "post")]
    with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
        return sum(pool.map(_index_kinds, parts))


def _index_kinds(names: tuple[str, ...]) -> int:
    from django.db import connections

    from essaim.search import indexing

    try:
        return sum(indexing.reindex_all(only=names).values())
    finally:
        connections.close_all()


def summarise_everyone(network_id: int) -> int:
    """The expertise summaries of everyone in the network, each person once (what the queued
    experts.index jobs would do person by person, batch after batch): experts.jobs.rebuild_all.
    On PostgreSQL outside a transaction, in two processes at once, each with every other person:
    most of the work is Python's, one core per process."""
    from django.db import connection, connections

    from essaim.experts.jobs import rebuild_all

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return rebuild_all(network_id=network_id)
    import multiprocessing

    connections.close_all()  # a forked process must not share a connection
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return sum(pool.starmap(_summarise, [(network_id, 0), (network_id, 1)]))


def _summarise(network_id: int, k: int) -> int:
    from django.db import connections

    from essaim.experts.jobs import rebuild_all

    try:
        return rebuild_all(network_id=network_id, part=(k, 2))
    finally:
        connections.close_all()


def _on_own_connection(action, *args, **kwargs):
    from django.db import connection

    try:
        return action(*args, **kwargs)
    finally:
        connection.close()


def _load_users(ids: list[int]) -> dict:
    from essaim.accounts.models import User
    from essaim.core.bulk import chunks

    out = {}
    for part in chunks(ids, 20_000):
        for u in User.objects.filter(id__in=part).select_related("network"):
            out[u.id] = u
    return out


def fingerprint(network_id: int) -> str:
    """A digest of the generated content of a network, independent of ids: people, communities,
    memberships, follows, posts, comments, reactions and answers, by handle, slug and text."""
    from essaim.accounts.models import Follow, User
    from essaim.communities.models import Community, Membership
    from essaim.questions.models import Answer
    from essaim.stream.models import Comment, Post, Reaction

    digest = hashlib.sha256()

    def feed(rows) -> None:
        for row in sorted(repr(r) for r in rows):
            digest.update(row.encode())

    feed(User.objects.filter(network_id=network_id).values_list("handle", "display_name", "is_admin"))
    feed(Community.objects.filter(network_id=network_id).values_list("slug", "name", "visibility", "member_count"))
    feed(Membership.objects.filter(network_id=network_id).values_list("community__slug", "user__handle", "role"))
    feed(Follow.objects.filter(network_id=network_id).values_list("follower__handle", "followee__handle"))
    feed(Post.objects.filter(network_id=network_id).values_list(
        "author__handle", "community__slug", "kind", "title", "body", "created_at", "comment_count", "answer_count",
        "accepted_answer__author__handle"))
    feed(Comment.objects.filter(network_id=network_id).values_list("post__body", "author__handle", "body", "created_at"))
    feed(Reaction.objects.filter(network_id=network_id).values_list("post__body", "user__handle", "kind"))
    feed(Answer.objects.filter(network_id=network_id).values_list("question__title", "author__handle", "body",
                                                                  "created_at"))
    return digest.hexdigest()[:16]
