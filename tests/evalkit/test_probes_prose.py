"""probe build on documentation prose: what is not prose is skipped (one test per rule), the prose
patterns give facts (one test per pattern), code identifiers get identifiers as distractors, and
every fact's evidence stays verbatim in the document's extracted text."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adaptcost.corpus.discover import document_texts
from adaptcost.evalkit.probes.build import BuildRequest, build_probes
from adaptcost.evalkit.probes.facts import read_facts, title
from adaptcost.evalkit.probes.prose import cue, prose
from adaptcost.evalkit.probes.questions import draft_questions, shares_run


def facts_of(text: str, document: str = "doc.md"):
    return read_facts(document, text, [])


def triples(text: str, document: str = "doc.md"):
    return {(f.subject, f.relation, f.value) for f in facts_of(text, document)}


def values(text: str, document: str = "doc.md"):
    return {f.value for f in facts_of(text, document)}


# A sentence every skip test hides: without the rule it gives a quantity fact "30 days" (checked first).
STATED = "Refunds are paid within 30 days."


def test_the_stated_sentence_gives_a_fact_in_plain_prose():
    assert "30 days" in values(STATED + "\n")


# ---------------------------------------------------------------- skip rules, one each


def test_fenced_code_and_diagrams_are_skipped():
    for fence in ("```", "```python", "```mermaid", "~~~"):
        text = f"Intro line here.\n\n{fence}\n{STATED}\nNote over dep: Run code up to yield\n{fence[:3]}\n"
        assert "30 days" not in values(text) and "Run code up to yield" not in values(text), fence


def test_an_unclosed_fence_runs_to_the_end():
    assert "30 days" not in values(f"Intro.\n\n```\n{STATED}\n")


def test_indented_code_is_skipped_but_a_list_items_continuation_is_prose():
    assert "30 days" not in values(f"Intro.\n\n    {STATED}\n")
    assert "30 days" in values(f"* The first item.\n\n    {STATED}\n")


def test_front_matter_is_skipped():
    text = f"---\nOwner: Ana Sousa\nsummary: {STATED}\n---\n\n# Refunds\n\nThe page.\n"
    assert not values(text) & {"Ana Sousa", "30 days"}


def test_code_files_are_skipped():
    assert not facts_of(".card { width: 100%; }\n/* Refunds: within 30 days */\n", "theme/custom.css")
    assert not facts_of(f"// {STATED}\nscript.setAttribute('radius', '50%');\n", "js/custom.js")
    assert "30 days" in values(STATED, "notes.txt")


def test_style_script_and_comments_are_skipped_and_html_tags_keep_their_text():
    assert "30 days" not in values(f"<style>\n.a {{ width: 30 days; }}\n</style>\n<script>\n// {STATED}\n</script>\n")
    assert "30 days" not in values(f"<!-- {STATED} -->\n")
    facts = facts_of('Refunds are paid <abbr title="at the latest">within</abbr> 30 days.\n')
    assert [f.cue for f in facts if f.value == "30 days"] == ["Refunds are paid within 30 days."]


def test_link_targets_and_images_are_skipped_and_link_text_kept():
    text = "Read the [refund policy](https://example.com/refunds-30-days) within 30 days.\n![A 60 days badge](img/60-days.png)\n"
    facts = facts_of(text)
    assert {f.value for f in facts} == {"30 days"}
    assert facts[0].cue == "Read the refund policy within 30 days."
    assert facts[0].sentence == text.splitlines()[0]  # the evidence stays verbatim
    draft = draft_questions(facts).drafts[0]
    assert draft.question == "Fill in the blank: Read the refund policy within ____."


def test_reference_definitions_and_bare_urls_are_skipped():
    assert "30 days" not in values(f"[docs]: https://example.com/ {STATED}\n")
    assert "30%" not in values("See https://example.com/refunds?within=30% for more.\n")


def test_heading_anchors_are_stripped_from_titles_and_questions():
    text = "# Query Parameters { #query-parameters }\n\nOwner: Ana Sousa\n"
    assert title("doc.md", text) == "Query Parameters"
    questions = [d.question for d in draft_questions(facts_of(text)).drafts]
    assert questions and not any("{" in q or "#" in q for q in questions), questions


def test_admonition_markers_are_skipped_and_their_body_kept():
    for marker in ('/// tip | Within 60 days', '!!! note "Within 60 days"', '??? warning "Within 60 days"'):
        text = f"{marker}\n\n{STATED}\n\n///\n"
        assert values(text) == {"30 days"}, marker


def test_snippet_includes_are_skipped():
    assert "30 days" not in values(f"{{* ../../docs_src/{STATED} *}}\n")
    assert "30 days" not in values(f"--8<-- \"{STATED}\"\n")


def test_headings_state_nothing():
    assert "30 days" not in values("## Refunds within 30 days\n")


@given(st.lists(st.sampled_from([
    "```mermaid\nNote over a: b\n```", "    code = 1", "<style>a { width: 10%; }</style>", "[link](https://x.y/z)",
    "![img](a.png)", "# Title { #title }", "/// tip", "!!! note \"N\"", "Plain words 30 days.", "* item `q` text",
    "<!-- c -->", "{* a.py *}", "---", "", "`Depends` is a function.", "text <b>bold</b> end", "~~~\n~~~",
]), max_size=12))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_prose_keeps_every_offset(parts):
    text = "\n".join(parts)
    masked = prose("doc.md", text)
    assert len(masked) == len(text)
    assert all(m == t or (m == " " and t != "\n") for m, t in zip(masked, text))
    for fact in facts_of(text):  # evidence verbatim at its span, the value in it
        assert text[fact.start:fact.end] == fact.sentence and fact.value in fact.sentence


def test_cue_drops_markup_and_keeps_words():
    assert cue("* The **FastAPI** *path operation*   runs `q` .") == "The FastAPI path operation runs `q`."


# ---------------------------------------------------------------- prose patterns, one each


def test_definitions():
    assert ("Uvicorn", "is", "a lightning-fast ASGI server") in triples("Uvicorn is a lightning-fast ASGI server.\n")
    assert ("Depends", "is", "a function") in triples("`Depends` is a function that declares a dependency.\n")
    assert ("FastAPI", "is", "an ASGI web framework") in triples("**FastAPI** is an ASGI web framework.\n")
    assert ("needy", "is", "a required parameter") in triples("As `needy` is a required parameter, set it.\n")


def test_descriptions_and_ordinary_words_are_no_definitions():
    assert not triples("Concurrency is different than parallelism.\n")  # no a/an/the: a description
    # "Both" is an ordinary word of this document (used in lower case): no name to ask about
    assert not triples("Both are a way to declare things. You can use both of them.\n")
    assert not triples("Swagger UI uses them internally to achieve this.\n")  # points at another sentence


def test_what_a_thing_is_used_for_lets_you_or_allows_you_to():
    assert ("PUT", "is used to", "receive data") in triples("`PUT` is used to receive data.\n")
    assert ("FastAPI", "lets you", "declare query parameters") in triples("FastAPI lets you declare query parameters.\n")
    assert ("Pydantic", "allows you to", "validate data") in triples("Pydantic allows you to validate data.\n")
    drafts = draft_questions(facts_of("`PUT` is used to receive data.\n")).drafts
    assert "What is PUT used for?" in {d.question for d in drafts}


def test_appositives_but_not_lists():
    assert ("Uvicorn", "is", "an ASGI server") in triples("Uvicorn, an ASGI server, runs the application.\n")
    assert not {t for t in triples("You can return a `dict`, a database model, etc.\n") if t[1] == "is"}


def test_defaults_of_parameters():
    for text, subject, value in (("The parameter `limit` defaults to `10`.", "limit", "10"),
                                 ("The function parameter `q` will be optional, and will be `None` by default.", "q", "None"),
                                 ("By default, `debug` is `False`.", "debug", "False"),
                                 ("Declare `skip` with a default value of `0`.", "skip", "0")):
        facts = [f for f in facts_of(text + "\n") if f.relation == "default"]
        assert [(f.subject, f.value, f.group) for f in facts] == [(subject, value, "identifier:default")], text
    drafts = draft_questions(facts_of("The parameter `limit` defaults to `10`.\n")).drafts
    assert "What is the default value of limit?" in {d.question for d in drafts}


def test_to_do_x_use_y():
    assert ("declare a query parameter", "use", "Query") in triples("To declare a query parameter, use `Query`.\n")
    assert ("declare dependencies", "use", "Depends") in triples("Use `Depends` to declare dependencies.\n")
    assert not {t for t in triples("Use `Depends` to handle these cases.\n") if t[1] == "use"}  # "these": elsewhere


def test_requirements_and_versions():
    facts = facts_of("FastAPI requires Python 3.8+ to run.\nSince FastAPI 0.95.0 you can use `Annotated`.\n"
                     "It is now deprecated since FastAPI `0.103.0`.\n")
    assert {(f.kind, f.relation, f.value) for f in facts if f.kind == "version"} == {
        ("version", "requires", "Python 3.8+"), ("version", "since", "0.95.0"), ("version", "since", "0.103.0")}
    assert any(d.question == "Fill in the blank: Since FastAPI ____ you can use `Annotated`." for d in draft_questions(facts).drafts)
    assert not values("Added in FastAPI 0.134.0.\n")  # a fragment: what was added?


def test_code_identifiers_are_blanked_in_statements_only():
    facts = facts_of("When you import `Query` from `fastapi`, it is a function.\n`bar` as a `str`\nThe fields:\n")
    assert {f.value for f in facts if f.kind == "identifier"} == {"Query", "fastapi"}


# ---------------------------------------------------------------- identifiers' distractors, joins


DOCS = {
    "query.md": "# Query\n\nWhen you import `Query` from `fastapi`, you get a function.\n"
                "The parameter `limit` defaults to `10`.\nThe parameter `skip` defaults to `0`.\n"
                "Concurrency means many things. Refunds are paid within 30 days.\n",
    "body.md": "# Body\n\nDeclare the body with `Body` and the form with `Form`.\nYou return a `dict` or a `list` here.\n"
               "The parameter `offset` defaults to `5`.\nUvicorn is a lightning-fast ASGI server.\n",
    "asgi.md": "# ASGI\n\nASGI is a standard for asynchronous Python web servers.\nClaims older than 90 days are rejected.\n",
    "flask.md": "# Flask\n\nFlask is a microframework for small web apps.\n",
}


def test_identifier_answers_get_identifier_distractors_and_definitions_join_across_documents(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_probes(BuildRequest((str(corpus),), tmp_path / "p.jsonl"))
    probes = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    texts = {d.path: d.text for d in document_texts([str(corpus)])[0]}
    for probe in probes:  # the guarantees of every probe hold on prose too
        key = probe["options"][probe["answer"]]
        assert len(set(probe["options"])) == len(probe["options"]) and key.lower() not in probe["question"].lower()
        for item in probe["evidence"]:
            assert texts[item["document"]][item["start"]:item["end"]] == item["sentence"]
        if probe["type"] == "rephrasing":
            assert not shares_run(probe["question"], probe["evidence"][0]["sentence"])
    identifiers = {"Query", "fastapi", "limit", "10", "skip", "0", "Body", "Form", "dict", "list", "offset", "5"}
    blanked = [p for p in probes if p["type"] == "recall" and "`____`" in p["question"]]
    assert blanked
    for probe in blanked:  # every option of a blanked identifier is an identifier of the corpus
        assert set(probe["options"]) <= identifiers, probe
    hop = [p for p in probes if p["type"] == "multi-hop"]
    # "Uvicorn is a lightning-fast ASGI server" (body.md) + "ASGI is a standard ..." (asgi.md)
    assert [p["question"] for p in hop] == ["The documents call Uvicorn a lightning-fast ____ server. How do they describe the ____?"]
    assert hop[0]["options"][hop[0]["answer"]] == "a standard for asynchronous Python web servers"
    assert [e["document"].rsplit("/", 1)[-1] for e in hop[0]["evidence"]] == ["body.md", "asgi.md"]


def test_diagram_files_are_skipped():
    assert not facts_of("Who is: someapp.example.com\nIP: 123.124.125.126\nRefunds within 30 days.\n", "img/https.drawio.svg")


def test_a_title_is_read_from_the_prose_not_the_front_matter():
    assert title("release-notes.md", "---\nhide: navigation\n---\n\n# Release Notes\n") == "Release Notes"


def test_values_cut_off_before_their_end_are_not_asked():
    # "**Standards-based**: Based on (and fully compatible with) ...": the value stops at the bracket
    assert not values("* **Standards-based**: Based on (and fully compatible with) the open standards.\n")
    assert "fully compatible" in values("* **Standards-based**: fully compatible.\n")


def test_double_backticks_are_no_identifier():
    assert not {f for f in facts_of("It moves your queries to the ``cold`` profile until next month.\n") if f.kind == "identifier"}


def test_a_short_description_is_not_asked_backwards():
    # Webargs is the only "tool" of the corpus, yet "What do the documents describe as a tool?" pins nothing down
    drafts = draft_questions(facts_of("Webargs is a tool.\nUvicorn is a lightning-fast ASGI server.\n")).drafts
    reversed_ = {d.question for d in drafts if d.type == "reversal"}
    assert reversed_ == {"What do the documents describe as a lightning-fast ASGI server?"}


def test_identifiers_are_matched_on_shape(tmp_path):
    from adaptcost.evalkit.probes.facts import identifier_shape

    assert [identifier_shape(n) for n in ("main.py", "url_for()", "fastapi.security", "SECRET_KEY", "Query", "item_id")] == [
        "file", "call", "dotted", "constant", "class", "name"]
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.md").write_text("Put the settings in the `config.toml` file of the project.\n"
                                 "Put the notes in the `README.md` file of the project.\n"
                                 "Put the tests in the `tests.py` file of the project.\n"
                                 + "".join(f"You declare the `{name}` parameter in the request here.\n"
                                           for name in ("item_id", "skip", "limit", "Query", "Body", "Path", "Header", "Cookie")),
                                 encoding="utf-8")
    build_probes(BuildRequest((str(corpus),), tmp_path / "p.jsonl"))
    probes = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    files = [p for p in probes if p["options"][p["answer"]] == "config.toml"]
    # the file names first; only then (none left here) other identifiers
    assert files and set(files[0]["options"][:]) >= {"config.toml", "README.md", "tests.py"}
    assert files[0]["options"].index("config.toml") == files[0]["answer"]
    third = [o for o in files[0]["options"] if o not in {"config.toml", "README.md", "tests.py"}]
    assert len(third) <= 1
