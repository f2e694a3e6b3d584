"""The one sentence rule (adaptcost.corpus.sentences): lower-case starts, abbreviations, decimals."""

import pytest

from adaptcost.corpus.sentences import SENTENCE_END, count_sentences, split_sentences


@pytest.mark.parametrize("text, expected", [
    # lower-case starts are sentences (the eval's nonsense words; issue 9's merged example)
    ("From the archive of old expedition logs. munon are harder than dramb.",
     ["From the archive of old expedition logs.", "munon are harder than dramb."]),
    ("gruds are zibby. gruds zorp blims! blims are old.", ["gruds are zibby.", "gruds zorp blims!", "blims are old."]),
    # abbreviations and initialisms do not end a sentence
    ("Many animals, e.g. gruds, are zibby. Others are not.", ["Many animals, e.g. gruds, are zibby.", "Others are not."]),
    ("Dr. Smith met Prof. Jones. They talked.", ["Dr. Smith met Prof. Jones.", "They talked."]),
    ("The U.S. Army came. It left.", ["The U.S. Army came.", "It left."]),
    ("J. Smith wrote it, i.e. the report. see Fig. 3 below.", ["J. Smith wrote it, i.e. the report.", "see Fig. 3 below."]),
    ("See No. 5 now. the answer is no. then stop.", ["See No. 5 now.", "the answer is no.", "then stop."]),
    # decimals
    ("The rate rose 3.5 percent. costs fell 0.25 points.", ["The rate rose 3.5 percent.", "costs fell 0.25 points."]),
    # questions end sentences; a question with its answer on one line stays whole
    ("Did you know? gruds are old.", ["Did you know?", "gruds are old."]),
    ("Q: What are gruds like? A: gruds are zibby.", ["Q: What are gruds like? A: gruds are zibby."]),
    # closing quotes and brackets stay with their sentence; lines always end sentences
    ('He said "stop." then left. (It was late.) done.', ['He said "stop."', "then left.", "(It was late.)", "done."]),
    ("Gruds\n- gruds are zibby\n\nKind: abmes", ["Gruds", "- gruds are zibby", "Kind: abmes"]),
    # a list number opening a line is not a sentence end
    ("1. install it. then run it\n  12. done", ["1. install it.", "then run it", "12. done"]),
    ("", []),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected
    assert count_sentences(text) == len(expected)


def test_issue_9_counts():
    # the old eval rule merged "... logs. munon ..." because it needed an upper-case start
    text = "This week's newsletter has one short note. femp are more dangerous than glon."
    assert len(split_sentences(text)) == 2
    assert SENTENCE_END.search("3.5 points") is None  # no white space after a decimal point


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from adaptcost.corpus.sentences import count_ends, sentence_ends  # noqa: E402

PIECES = ["gruds", "Dr", "e.g", "U.S", "No", "p", "P", "J", "3.5", "A:", "Q:", " ", "  ", "\t", ".", "!", "?", '"', ")",
          "]", "\u201d", "\n", "5", "12", "1234", "al", "Fig", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_fast_count_equals_the_rule_line_by_line(pieces):
    # count_ends (whole text, C-speed scans) agrees with sentence_ends applied to each line
    text = "".join(pieces)
    assert count_ends(text) == sum(len(sentence_ends(line)) for line in text.split("\n"))
