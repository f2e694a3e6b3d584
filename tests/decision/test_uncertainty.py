"""Scenario files and the Monte Carlo's size (issue 20: draws capped with a clear message)."""

from __future__ import annotations

import pytest

from adaptcost.decision.uncertainty import MAX_DRAWS, load_scenario_file, scenario_from
from adaptcost.errors import ScenarioError
from builders import EXAMPLES, assert_clean_error, invoke

HEAD = "schema: adaptcost-scenario/1\nassumptions:\n  queries_per_day: 1000\n"


def test_draws_past_the_cap_in_a_file_is_one_line_naming_file_and_field(tmp_path):
    """Before: `draws: 1000000000` was accepted and the Monte Carlo asked for 7.45 GiB per array
    (killed for memory, no message). Now the file and field are named."""
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "draws: 1000000000\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_file(path)
    assert str(caught.value) == (f"{path}: draws must be at most 10,000,000, got 1,000,000,000 "
                                 "(the Monte Carlo holds every draw in memory)")
    path.write_text(HEAD + f"draws: {MAX_DRAWS}\n")
    assert load_scenario_file(path).draws == MAX_DRAWS


def test_draws_flag_past_the_cap_is_refused(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        scenario_from({"queries_per_day": "100"}, draws=MAX_DRAWS + 1)
    assert caught.value.field == "draws"
    assert str(caught.value) == "draws must be between 1 and 10,000,000, got 10,000,001"
    assert scenario_from({"queries_per_day": "100"}, draws=MAX_DRAWS)[1].draws == MAX_DRAWS


def test_report_with_a_billion_draws_is_one_line(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "draws: 1000000000\n")
    result = invoke("report", "--corpus", EXAMPLES, "--scenario", path, "--output", tmp_path / "out")
    assert_clean_error(result, f"{path}: draws must be at most 10,000,000")
    assert_clean_error(invoke("report", "--corpus", EXAMPLES, "--queries-per-day", 10, "--draws", 10**9,
                              "--output", tmp_path / "out"), "--draws must be between 1 and 10,000,000")
    assert not (tmp_path / "out").exists()
