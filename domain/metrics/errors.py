from domain.common.errors import Conflict, NotFound, RuleViolation


class MetricNotFound(NotFound):
    code = "metric_not_found"
    title = "Metric not found"


class ComputedMetricNotFound(NotFound):
    code = "computed_metric_not_found"
    title = "Computed metric not found"


class MetricKeyTaken(Conflict):
    code = "metric_key_taken"
    title = "Another metric or field already has this key"


class MetricInUse(Conflict):
    code = "metric_in_use"
    title = "Computed metrics, views, rules or health models use this metric"


class InvalidRange(RuleViolation):
    code = "invalid_range"
    title = "The date range is not valid"


class InvalidFormula(RuleViolation):
    code = "invalid_formula"
    title = "The formula is not valid"


class FormulaCycle(Conflict):
    code = "formula_cycle"
    title = "Computed metrics may not depend on themselves"
