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
