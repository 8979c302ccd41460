from domain.common.errors import Conflict, NotFound, RuleViolation


class HealthModelNotFound(NotFound):
    code = "health_model_not_found"
    title = "Health model not found"


class HealthModelNameTaken(Conflict):
    code = "health_model_name_taken"
    title = "Another health model has this name"


class DefaultModelKept(Conflict):
    code = "default_health_model_kept"
    title = "The default health model cannot be deleted or given a filter"


class NoShadowVersion(Conflict):
    code = "no_shadow_version"
    title = "The health model has no shadow version to make live"


class UnknownHealthMetric(RuleViolation):
    code = "unknown_health_metric"
    title = "A component uses a metric accounts do not have"


class SegmentOrderMismatch(Conflict):
    code = "segment_order_mismatch"
    title = "The order must list every segment model once"


class UnknownHealthDimension(RuleViolation):
    code = "unknown_health_dimension"
    title = "A component maps values of a dimension accounts do not have"


class NoSnapshotForDay(RuleViolation):
    """A backtest replays a day's metric snapshot: a day without one has nothing to replay."""

    code = "no_snapshot_for_day"
    title = "The organisation's metrics were not snapshotted on this day"
