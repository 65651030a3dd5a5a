"""`essaim import stackexchange`: a real dump (french.meta.stackexchange.com) and small synthetic ones."""

from __future__ import annotations

import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.contrib.auth import authenticate

from essaim import cli
from essaim.accounts import actions as accounts
from essaim.accounts.models import User
from essaim.accounts.queries import directory
from essaim.communities.models import Community
from essaim.importer import stackexchange as se
from essaim.importer.models import ImportRecord
from essaim.questions.models import Answer
from essaim.stream.models import Comment, Post

DUMP = Path("/work/shared/data/stackexchange/french.meta.stackexchange.com")
SITE = DUMP.name
pytestmark = pytest.mark.skipif(not DUMP.is_dir(), reason="the StackExchange dumps are not here")


@pytest.fixture
def net(db):
    network = accounts.do_create_network("Acme", "acme")
    admin = accounts.do_create_user(network, email="admin@acme.test", display_name="Admin", password="a long password",
                                    is_admin=True)
    outsider = accounts.do_create_user(network, email="out@acme.test", display_name="Outsider",
                                       password="a long password")
    return network, admin, outsider


def run_import(network, directory=DUMP, community="French Meta", **options):
    options.setdefault("progress", None)
    return se.import_stackexchange(directory, network=network, community_name=community, **options)


def expected(directory=DUMP) -> dict:
    """What the import should bring in, counted straight from the XML."""
    rows = lambda name: [e.attrib for e in ET.parse(directory / name).getroot()]
    posts = rows("Posts.xml")
    questions = {p["Id"] for p in posts if p["PostTypeId"] == "1"}
    answers = {p["Id"]: p["ParentId"] for p in posts if p["PostTypeId"] == "2" and p.get("ParentId") in questions}
    accepted = [p for p in posts if p["PostTypeId"] == "1" and answers.get(p.get("AcceptedAnswerId")) == p["Id"]]
    duplicates = {link["PostId"] for link in rows("PostLinks.xml")
                  if link["LinkTypeId"] == "3" and link["PostId"] in questions and link["RelatedPostId"] in questions}
    comments = [c for c in rows("Comments.xml") if (c["PostId"] in questions or c["PostId"] in answers)
                and c.get("Text", "").strip()]
    return {"questions": len(questions), "answers": len(answers), "accepted": len(accepted),
            "duplicates": len(duplicates), "comments": len(comments)}


def counts(network) -> dict:
    posts = Post.objects.filter(network=network, kind="question", source=SITE)
    return {"questions": posts.count(),
            "answers": Answer.objects.filter(network=network, source=SITE).count(),
            "accepted": posts.filter(accepted_answer__isnull=False).count(),
            "duplicates": posts.filter(duplicate_of__isnull=False).count(),
            "comments": Comment.objects.filter(network=network, source=SITE).count()}


def test_the_real_dump_imports_completely_once(net):
    network, admin, outsider = net
    report = run_import(network)
    want = expected()
    assert counts(network) == want
    assert {k: getattr(report, k) for k in want} == want
    assert report.people == User.objects.filter(network=network, is_placeholder=True).count() > 100
    assert report.topics > 10 and report.skipped["posts of type 4 (not a question or answer)"] == 10

    community = Community.objects.get(network=network, name="French Meta")
    assert community.visibility == "open" and community.created_by == admin
    first = Post.objects.get(network=network, source_id="1")
    assert first.community == community and first.license == "CC BY-SA 3.0" and first.score == 11
    assert first.title and "<p>" in first.html and first.topics.exists()
    assert first.created_at.year == 2011
    assert not Post.objects.filter(source=SITE, source_id="").exists()
    assert not Answer.objects.filter(source=SITE, source_id="").exists()
    assert not Comment.objects.filter(source=SITE, source_id="").exists()
    answer = Answer.objects.filter(network=network).select_related("question").first()
    assert answer.question.answer_count >= 1
    comment = Comment.objects.filter(network=network, answer__isnull=False).first()
    assert comment.post_id == comment.answer.question_id

    # People: placeholders, credited, listed, but no one signs in as them.
    person = User.objects.get(network=network, source=SITE, source_id="40")  # wrote comment 1
    assert person.is_placeholder and person.is_active and not person.has_usable_password()
    assert person.email.endswith(".placeholder.invalid") and person.handle
    assert authenticate(None, username=person.email, password="") is None
    assert authenticate(None, username=person.email, password="a long password") is None
    listed = directory(outsider, q=person.display_name, limit=50).items
    assert person in listed
    from essaim.search.engine import search
    found = search(outsider, person.display_name, type="person", limit=100).results
    assert person.id in [r.id for r in found]  # indexed at import, like anyone
    from essaim.core.jobs import Job
    assert not Job.objects.filter(kind="search.index", state="queued").exists()
    assert Comment.objects.filter(source_id="1", author=person).exists()
    # Imported history tells nobody.
    from essaim.notifications.models import Notification
    assert not Notification.objects.filter(network=network).exists()

    # A second run adds nothing.
    before = (counts(network), User.objects.count(), ImportRecord.objects.count())
    again = run_import(network, visibility="secret")
    assert (counts(network), User.objects.count(), ImportRecord.objects.count()) == before
    assert again.questions == again.answers == again.comments == again.people == 0
    assert again.already["questions"] == want["questions"]
    assert any("stays open" in w for w in again.warnings)
    assert Community.objects.get(pk=community.pk).visibility == "open"


def test_an_interrupted_run_resumes_to_the_same_result_and_private_hides_it(net, monkeypatch):
    network, _admin, outsider = net
    from essaim.questions import actions as questions

    real, calls = questions.do_answer_question, []

    def dies_midway(*args, **kwargs):  # killed in the middle of the third batch of answers
        calls.append(1)
        if len(calls) == 250:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(questions, "do_answer_question", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        run_import(network, visibility="private", batch_size=100)
    half = counts(network)
    assert 0 < half["answers"] < 249 < expected()["answers"]  # the batch in progress was rolled back
    assert half["answers"] == ImportRecord.objects.filter(kind="answer").count()  # whole batches only
    monkeypatch.setattr(questions, "do_answer_question", real)

    report = run_import(network, visibility="private", batch_size=100)
    assert counts(network) == expected()
    assert report.already["answers"] == half["answers"]
    assert User.objects.filter(is_placeholder=True).count() == ImportRecord.objects.filter(kind="user").count()

    community = Community.objects.get(network=network, name="French Meta")
    assert community.visibility == "private"
    imported = Post.objects.filter(network=network, source=SITE)
    assert not imported.visible_to(outsider).exists()
    member = User.objects.filter(is_placeholder=True, source_id="40").get()
    assert imported.visible_to(member).count() == imported.count()


def write_dump(tmp_path: Path, posts: str, users: str | None = None, comments: str = "", links: str = "") -> Path:
    folder = tmp_path / "tiny.stackexchange.com"
    folder.mkdir(exist_ok=True)
    (folder / "Posts.xml").write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n{posts}\n</posts>\n')
    if users is not None:
        (folder / "Users.xml").write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<users>\n{users}\n</users>\n')
    (folder / "Comments.xml").write_text(f"<comments>\n{comments}\n</comments>\n")
    (folder / "PostLinks.xml").write_text(f"<postlinks>\n{links}\n</postlinks>\n")
    return folder


USERS = '<row Id="1" DisplayName="Zoé Martin" CreationDate="2020-01-01T00:00:00.000" Location="Lyon" ' \
        'AboutMe="&lt;p&gt;Hi&lt;/p&gt;" />\n<row Id="2" DisplayName="Nobody" />'
QUESTION = '<row Id="{id}" PostTypeId="1" Title="Question {id}" Body="&lt;p&gt;Body #include @x&lt;/p&gt;" ' \
           'Tags="|c++|.net|a b|" OwnerUserId="1" CreationDate="2020-01-02T00:00:00.000" Score="3" ' \
           'AcceptedAnswerId="99" />'


def test_dangling_references_are_counted_and_named_not_fatal(net, tmp_path):
    network, _admin, _outsider = net
    posts = "\n".join([
        QUESTION.format(id=10),
        '<row Id="11" PostTypeId="2" ParentId="404" Body="&lt;p&gt;orphan&lt;/p&gt;" OwnerUserId="1" />',
        '<row Id="12" PostTypeId="2" ParentId="10" Body="&lt;p&gt;ok&lt;/p&gt;" OwnerDisplayName="Gone Person" />',
        '<row Id="13" PostTypeId="2" ParentId="10" Body="&lt;p&gt;anon&lt;/p&gt;" />',
        '<row Id="14" PostTypeId="5" Body="wiki" />',
    ])
    comments = '<row Id="1" PostId="405" Text="lost" UserId="1" />\n<row Id="2" PostId="12" Text="fine" ' \
               'UserDisplayName="Gone Person" />'
    links = '<row Id="1" PostId="10" RelatedPostId="406" LinkTypeId="3" />'
    folder = write_dump(tmp_path, posts, USERS, comments, links)
    report = run_import(network, folder, community="Tiny")
    assert (report.questions, report.answers, report.comments, report.duplicates, report.accepted) == (1, 2, 1, 0, 0)
    assert report.skipped["answers to a question not in the import"] == 1
    assert report.examples["answers to a question not in the import"] == ["11"]
    assert report.skipped["comments on a post not in the import"] == 1
    assert report.skipped["duplicate links to a question not in the import"] == 1
    assert report.skipped["accepted answers not in the import"] == 1
    assert report.skipped["people without imported content"] == 1  # Nobody
    lines = "\n".join(report.lines())
    assert "answers to a question not in the import: 1 (ids 11)" in lines
    # One placeholder per deleted author's name, one "Anonymous", and Zoé.
    names = set(User.objects.filter(is_placeholder=True).values_list("display_name", flat=True))
    assert names == {"Zoé Martin", "Gone Person", "Anonymous"}
    zoe = User.objects.get(display_name="Zoé Martin")
    assert zoe.handle == "zoe-martin" and zoe.location == "Lyon" and zoe.bio == "Hi"
    question = Post.objects.get(source_id="10")
    # Tags as topics: "c++" -> cplus-plus-like names, invalid ones skipped; no topic or mention from the text.
    topics = set(question.topics.values_list("name", flat=True))
    assert topics == {"cplusplus", "net", "a-b"}
    assert "#include" in question.html and "@x" in question.html and "mention" not in question.html


def test_long_bodies_are_cut_with_a_note(net, tmp_path):
    network, _admin, _outsider = net
    body = "&lt;p&gt;" + "word " * 6000 + "&lt;/p&gt;"
    folder = write_dump(tmp_path, QUESTION.replace("&lt;p&gt;Body #include @x&lt;/p&gt;", body).format(id=1), USERS)
    report = run_import(network, folder, community="Tiny")
    assert report.questions == 1 and report.truncated == 1
    post = Post.objects.get(source_id="1")
    assert len(post.body) <= 20_000 and "shortened on import" in post.body


def test_malformed_xml_names_file_and_position_and_imports_nothing(net, tmp_path, capsys):
    network, _admin, _outsider = net
    posts = "\n".join(QUESTION.format(id=i) for i in range(1, 6)) + '\n<row Id="7" PostTypeId="1" Title="a & b" />'
    folder = write_dump(tmp_path, posts, USERS)
    with pytest.raises(se.ImportError_) as caught:
        run_import(network, folder, community="Tiny")
    assert "Posts.xml" in str(caught.value) and "line 8, column 37" in str(caught.value)
    assert not Post.objects.exists() and not ImportRecord.objects.exists()
    assert cli.main(["import", "stackexchange", str(folder), "--community", "Tiny"]) == 2
    err = capsys.readouterr().err
    assert "essaim: error: Posts.xml is not well-formed XML at line 8, column" in err


def test_a_batch_that_fails_midway_leaves_nothing_half_written(net, tmp_path, monkeypatch):
    network, _admin, _outsider = net
    folder = write_dump(tmp_path, "\n".join(QUESTION.format(id=i) for i in range(1, 8)), USERS)
    from essaim.questions import actions as questions

    real, calls = questions.do_ask_question, []

    def fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(questions, "do_ask_question", fails)
    with pytest.raises(RuntimeError):
        run_import(network, folder, community="Tiny", batch_size=3)
    assert Post.objects.count() == ImportRecord.objects.filter(kind="question").count() == 3
    monkeypatch.setattr(questions, "do_ask_question", real)
    assert run_import(network, folder, community="Tiny", batch_size=3).questions == 4
    assert Post.objects.count() == 7


@pytest.mark.parametrize("missing", ["Posts.xml", "Users.xml"])
def test_a_missing_required_file_is_named(net, tmp_path, capsys, missing):
    folder = write_dump(tmp_path, QUESTION.format(id=1), USERS)
    (folder / missing).unlink()
    assert cli.main(["import", "stackexchange", str(folder), "--community", "Tiny"]) == 2
    err = capsys.readouterr().err
    assert f"{missing} is missing from {folder}" in err
    assert not Community.objects.filter(name="Tiny").exists()


def test_the_command_needs_an_administrator(db, tmp_path, capsys):
    network = accounts.do_create_network("Acme", "acme")
    accounts.do_create_user(network, email="p@acme.test", display_name="P", password="a long password")
    folder = write_dump(tmp_path, QUESTION.format(id=1), USERS)
    assert cli.main(["import", "stackexchange", str(folder), "--community", "Tiny"]) == 2
    assert "no administrator" in capsys.readouterr().err


def test_the_command_prints_the_report(net, tmp_path, capsys):
    folder = write_dump(tmp_path, QUESTION.format(id=1), USERS)
    assert cli.main(["import", "stackexchange", str(folder), "--community", "Tiny", "--visibility", "secret"]) == 0
    out, err = capsys.readouterr()
    assert "questions:   1" in out and "people:      1" in out and "seconds:" in out
    assert "Posts.xml (questions): 1/1" in err
    assert Community.objects.get(name="Tiny").visibility == "secret"


def test_reading_is_streaming(tmp_path):
    path = tmp_path / "Posts.xml"
    body = "x" * 400
    with path.open("w") as out:
        out.write("<posts>\n")
        for i in range(20_000):
            out.write(f'<row Id="{i}" PostTypeId="1" Title="T{i}" Body="{body}" OwnerUserId="{i % 50}" />\n')
        out.write("</posts>\n")
    assert path.stat().st_size > 8_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _row in se.iter_rows(path))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000, peak  # the whole tree would take well over 10 MB


def test_tags_and_bodies_helpers():
    assert se.parse_tags("<a><b-c>") == ["a", "b-c"] and se.parse_tags("|a|b|") == ["a", "b"]
    assert se.parse_tags("") == []
    assert se.topic_name("C#") == "csharp" and se.topic_name("Quantum-Gate") == "quantum-gate"
    assert se.topic_name("...") is None
    assert se.html_body('<a href="https://x.test/#top">#1 @me</a>') == \
        '<a href="https://x.test/#top">&#35;1 &#64;me</a>'
    assert se.markdown_body("@Bob see `#include` #1") == "&#64;Bob see `#include` &#35;1"
