"""`essaim search eval` and `essaim search eval-queries`: metrics, the judged query set, the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from essaim import cli
from essaim.accounts import actions as accounts
from essaim.search import evaluate as ev

# ------------------------------------------------------------------ metrics on hand-made rankings


def test_ndcg_graded_gains_log2_discounts_and_ideal_from_the_judgements():
    relevant = {"a": 2, "b": 1}
    assert ev.ndcg_at(["a", "b", "x"], relevant) == pytest.approx(1.0)
    # b at rank 1 (gain 1), a at rank 3 (gain 3 / log2(4) = 1.5); ideal 3 + 1 / log2(3)
    assert ev.ndcg_at(["b", "x", "a"], relevant) == pytest.approx((1 + 1.5) / (3 + 1 / math.log2(3)))
    # a judged document never retrieved still counts in the ideal
    assert ev.ndcg_at(["x", "a"], {"a": 1, "c": 1}) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ev.ndcg_at(["x"] * 10 + ["a"], {"a": 2}) == 0.0  # beyond the 10th
    assert ev.ndcg_at(["a"], {}) == 0.0


def test_mrr_and_recall():
    assert ev.mrr_at(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert ev.mrr_at(["x", "z", "b", "a"], {"a": 2, "b": 1, "z": 0}) == pytest.approx(1 / 3)  # grade 0 is not relevant
    assert ev.mrr_at(["x"] * 10 + ["a"], {"a": 2}) == 0.0
    assert ev.recall_at(["a", "x", "c"], {"a": 2, "b": 1, "c": 1, "d": 0}) == pytest.approx(2 / 3)
    assert ev.recall_at(["x", "b"], {"b": 1}, k=1) == 0.0
    assert ev.percentile([5, 1, 3, 2, 4], 50) == 3 and ev.percentile([5, 1, 3, 2, 4], 95) == 5
    assert ev.percentile([], 50) == 0.0


def test_run_ranker_excludes_deduplicates_and_averages():
    queries = [{"query": "q1", "relevant": {"a": 2}, "exclude": ["self"]},
               {"query": "q2", "relevant": {"b": 1}, "exclude": []}]
    rankings = {"q1": ["self", "a", "a", "x"], "q2": ["x", "b"]}
    report = ev.run_ranker("t", queries, lambda q, depth: (rankings[q], [0.001, 0.003]))
    assert report.ndcg == pytest.approx((1.0 + 1 / math.log2(3)) / 2)
    assert report.mrr == pytest.approx((1.0 + 0.5) / 2)
    assert report.recall == 1.0
    assert report.p50_ms == pytest.approx(1.0) and report.p95_ms == pytest.approx(3.0)
    assert report.per_query[0]["top"] == ["a", "x"]


# ------------------------------------------------------------------ the judged query set


def q(id, title, post_type="1"):
    return f'<row Id="{id}" PostTypeId="{post_type}" Title="{title}" Body="&lt;p&gt;about {title}&lt;/p&gt;" ' \
           f'OwnerUserId="1" CreationDate="2020-01-0{id % 9 + 1}T00:00:00.000" />'


def link(id, post, related, kind):
    return f'<row Id="{id}" PostId="{post}" RelatedPostId="{related}" LinkTypeId="{kind}" />'


def write_dump(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny.stackexchange.com"
    folder.mkdir()
    posts = "\n".join([
        q(1, "Measuring qubit decoherence time"), q(2, "How long do qubits stay coherent"),
        q(3, "Decoherence of superconducting qubits"), q(4, "Compiling Toffoli gates"),
        '<row Id="5" PostTypeId="2" ParentId="1" Body="&lt;p&gt;an answer&lt;/p&gt;" OwnerUserId="1" '
        'CreationDate="2020-01-05T00:00:00.000" />',
    ])
    links = "\n".join([
        link(10, 2, 1, 3),   # 2 duplicates 1
        link(11, 2, 3, 1),   # 2 is related to 3
        link(12, 2, 1, 1),   # also related: the duplicate grade wins
        link(13, 4, 5, 1),   # to an answer: ignored
        link(14, 4, 99, 1),  # to a post not in the dump: ignored
        link(15, 3, 1, 1),
    ])
    (folder / "Posts.xml").write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n{posts}\n</posts>\n')
    (folder / "PostLinks.xml").write_text(f"<postlinks>\n{links}\n</postlinks>\n")
    (folder / "Users.xml").write_text('<users>\n<row Id="1" DisplayName="Zoé" '
                                      'CreationDate="2020-01-01T00:00:00.000" />\n</users>\n')
    (folder / "Comments.xml").write_text("<comments>\n</comments>\n")
    return folder


def test_build_queries_from_links(tmp_path):
    queries = ev.build_queries(write_dump(tmp_path))
    assert queries == [
        {"query": "How long do qubits stay coherent", "relevant": {"1": 2, "3": 1}, "exclude": ["2"]},
        {"query": "Decoherence of superconducting qubits", "relevant": {"1": 1}, "exclude": ["3"]},
    ]
    out = tmp_path / "q.jsonl"
    ev.write_queries(queries, out)
    assert ev.read_queries(out) == queries


def test_read_queries_names_the_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "ok", "relevant": {"1": 1}}\n{"query": "no judgements"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        ev.read_queries(bad)


# ------------------------------------------------------------------ the commands on a tiny imported dump


@pytest.fixture
def imported(db, tmp_path):
    network = accounts.do_create_network("Acme", "acme")
    accounts.do_create_user(network, email="admin@acme.test", display_name="Admin", password="a long password",
                            is_admin=True)
    folder = write_dump(tmp_path)
    assert cli.main(["import", "stackexchange", str(folder), "--community", "Tiny"]) == 0
    return folder


def test_the_commands_build_queries_and_measure(imported, tmp_path, capsys):
    out = tmp_path / "queries.jsonl"
    assert cli.main(["search", "eval-queries", str(imported), "--out", str(out)]) == 0
    assert "Wrote 2 judged queries" in capsys.readouterr().out
    assert cli.main(["search", "eval", "--queries", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["queries"] == 2 and result["community"] == "Tiny" and result["viewer"] == "admin@acme.test"
    essaim = result["engines"]["essaim"]
    assert set(essaim) == {"ndcg@10", "mrr@10", "recall@100", "latency_p50_ms", "latency_p95_ms", "queries"}
    assert essaim["recall@100"] == 1.0 and essaim["mrr@10"] > 0  # every linked question shares words
    assert cli.main(["search", "eval", "--queries", str(out), "--community", "tiny"]) == 0
    table = capsys.readouterr().out
    assert "nDCG@10" in table and "essaim" in table and "bm25" not in table


def test_the_baseline_runs_side_by_side(imported, tmp_path, capsys):
    pytest.importorskip("bm25s")
    out = tmp_path / "queries.jsonl"
    ev.write_queries(ev.build_queries(imported), out)
    assert cli.main(["search", "eval", "--queries", str(out), "--baseline", "--json"]) == 0
    engines = json.loads(capsys.readouterr().out)["engines"]
    assert set(engines) == {"essaim", "bm25"}
    assert engines["bm25"]["recall@100"] == 1.0


def test_eval_errors_are_one_line(imported, tmp_path, capsys):
    out = tmp_path / "queries.jsonl"
    ev.write_queries(ev.build_queries(imported), out)
    assert cli.main(["search", "eval", "--queries", str(out), "--as", "nobody@acme.test"]) == 2
    assert "no active person" in capsys.readouterr().err
    assert cli.main(["search", "eval", "--queries", str(tmp_path / "missing.jsonl")]) == 2
    assert cli.main(["search", "eval-queries", str(tmp_path), "--out", str(out)]) == 2
    assert "Posts.xml is missing" in capsys.readouterr().err


def test_a_malformed_dump_is_named_with_its_place(tmp_path, capsys):
    (tmp_path / "Posts.xml").write_text('<posts><row Id="1" PostTypeId="1" Title="a"/><row Id=')
    (tmp_path / "PostLinks.xml").write_text("<postlinks></postlinks>")
    out = tmp_path / "queries.jsonl"
    assert cli.main(["search", "eval-queries", str(tmp_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Posts.xml is not well-formed XML at line 1, column" in err
    assert not out.exists()  # nothing written
