"""Statistics of per-item credits, over clusters of items: intervals (`intervals`) and paired
tests with Holm's adjustment (`paired`). Plain numbers in and out: imports nothing of adaptcost."""
