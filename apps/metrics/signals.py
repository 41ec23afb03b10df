"""What the metrics app announces; others listen (metrics imports none of them)."""

from django.dispatch import Signal

# Sent inside the roll-up's transaction for each snapshot that turned red in an open
# period: kwargs `metric` (Metric), `period` (engine Period), `scope_kind`, `scope_id`,
# `snapshot` (RollupSnapshot).
metric_turned_red = Signal()
