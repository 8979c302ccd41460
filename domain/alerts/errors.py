from domain.common.errors import Conflict, NotFound


class AlertRuleNotFound(NotFound):
    code = "alert_rule_not_found"
    title = "Alert rule not found"


class AlertRuleNameTaken(Conflict):
    code = "alert_rule_name_taken"
    title = "Another alert rule has this name"


class AlertNotFound(NotFound):
    code = "alert_not_found"
    title = "Alert not found"


class AlertDismissed(Conflict):
    code = "alert_dismissed"
    title = "The alert is dismissed"
