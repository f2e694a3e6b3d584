"""What a run becomes: the paired comparisons between arms (`comparisons`) and the curves file
that `recommend --curves` reads (`curvesfile`). Imports the scoring's result types, the
statistics and the decision's curves schema."""
