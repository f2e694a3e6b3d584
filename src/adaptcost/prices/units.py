"""The units the price tables are written in, and the calendar the providers bill by. The cost
rules (:mod:`adaptcost.costing.rules`) compute with the same constants."""

MTOK = 1_000_000  # prices are USD per 1M tokens
MINUTES_PER_DAY = 1440.0
HOURS_PER_DAY = 24.0
# A billing month is 730 hours (8,760 h / 12): the month AWS, Azure and Google Cloud bill hourly
# resources by, and the one a monthly storage fee is spread over.
HOURS_PER_MONTH = 730.0
BYTES_PER_GB = 1e9  # vector stores bill decimal gigabytes
