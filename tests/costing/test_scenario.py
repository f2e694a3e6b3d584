"""The assumptions' bounds, checked where a Scenario is built (the API's way in)."""

import pytest

from adaptcost.costing.scenario import Scenario, assumptions, counted
from adaptcost.errors import ScenarioError


@pytest.mark.parametrize("changes, message", [
    ({"top_k": 2.5}, "top_k must be a whole number, got 2.5"),  # rounded to 2 by the command line before
    ({"horizon_days": 1e9}, "horizon_days must lie in (0, 36500], got 1e+09"),  # OverflowError in a date before
    ({"refresh_days": 40_000}, "refresh_days must lie in [0, 36500], got 40000"),
    ({"prompt_tokens": 10**400}, "prompt_tokens must lie in [0, 1e+12], got a 401-digit number"),
    ({"queries_per_day": float("inf")}, "queries_per_day must be a finite number, got inf"),
    ({"training_job_usd": 1e300}, "training_job_usd must lie in [0, 1e+12], got 1e+300"),
    ({"index_usd_per_hour": 1e7}, "index_usd_per_hour must lie in [0, 1e+06], got 1e+07"),
])
def test_a_scenario_refuses_numbers_out_of_range(changes, message):
    with pytest.raises(ScenarioError) as info:
        Scenario(**{"queries_per_day": 10, **changes})
    assert str(info.value) == message
    assert info.value.field == next(iter(changes))


def test_counts_are_the_integer_fields_and_whole_floats_pass():
    assert counted("top_k") and counted("reasoning_tokens") and counted("chunk_overlap_tokens")
    assert not counted("queries_per_day") and not counted("horizon_days") and not counted("cache_hit_rate")
    assert Scenario(queries_per_day=10, top_k=4.0, horizon_days=36_500).top_k == 4


def test_every_assumption_has_a_ceiling():
    # a new unit without a ceiling would let 1e308 through: give it one in CEILINGS
    assert [name for name, (meta, _) in assumptions().items() if meta.ceiling is None and meta.below is None] == []
