"""What the metrics app announces; others listen (metrics imports none of them)."""

from django.dispatch import Signal

# Sent inside the roll-up's transaction for each snapshot that turned red in an open
# period: kwargs `metric` (Metric), `period` (engine Period), `scope_kind`, `scope_id`,
# `snapshot` (RollupSnapshot).
metric_turned_red = Signal()

# Sent once at the end of each roll-up run, inside its transaction: kwargs `metric_ids`
# (set of Metric ids recomputed) and `periods` (set of engine Periods recomputed).
# Listeners that queue work do it with transaction.on_commit.
rollup_finished = Signal()
