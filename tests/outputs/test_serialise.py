"""Where a recommendation says its quality figures come from."""

from adaptcost.outputs.serialise import curves_title


def test_curves_title_names_the_file_once():
    # a bundled measured file by its name (its own name "measured" is only its kind); the paper
    # reference likewise; a user's file by its path, with its name where the path does not show it
    assert curves_title({"name": "measured", "kind": "measured", "path": "smollm2-135m-default (bundled)"}) == \
        "smollm2-135m-default (bundled, measured)"
    assert curves_title({"name": "paper-reference", "kind": "reference", "path": "paper-reference (bundled)"}) == \
        "paper-reference (bundled, reference)"
    assert curves_title({"name": "run-7", "kind": "measured", "path": "out/curves.yaml"}) == "run-7: out/curves.yaml (measured)"
    assert curves_title({"name": "curves", "kind": "measured", "path": "out/curves.yaml"}) == "out/curves.yaml (measured)"
    assert curves_title({"name": "measured", "kind": "measured"}) == "measured"


def test_counted_says_one_in_the_singular():
    from adaptcost.outputs.serialise import counted

    assert counted(1, "document") == "1 document"
    assert counted(0, "chunk") == "0 chunks" and counted(2, "document") == "2 documents"
    # a noun whose plural is not noun + "s", and thousands grouped as every count is
    assert counted(1, "sentence/chunk", "sentences/chunks") == "1 sentence/chunk"
    assert counted(1200, "sentence/chunk", "sentences/chunks") == "1,200 sentences/chunks"
