"""The one sentence rule (adaptcost.sentences): lower-case starts, abbreviations, decimals."""

import pytest

from adaptcost.sentences import SENTENCE_END, count_sentences, split_sentences


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
