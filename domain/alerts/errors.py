from domain.common.errors import Conflict, NotFound, RuleViolation


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


class AlertIsTask(Conflict):
    code = "alert_is_task"
    title = "The alert is an alert task: close it with an outcome"


class AlertAlreadyTask(Conflict):
    code = "alert_already_task"
    title = "The alert is already an alert task"


class SnoozeInThePast(RuleViolation):
    code = "snooze_in_the_past"
    title = "An alert is snoozed until a day after today"


class PlaybookNotFound(NotFound):
    code = "playbook_not_found"
    title = "Playbook not found"


class PlaybookNameTaken(Conflict):
    code = "playbook_name_taken"
    title = "Another playbook has this name"


class RulePlaybookNotFound(Conflict):
    code = "rule_playbook_not_found"
    title = "The rule's playbook does not exist"


class AssigneeNotFound(Conflict):
    code = "playbook_assignee_not_found"
    title = "A step's named user is not an active user of the organisation"


class RecipientNotFound(Conflict):
    code = "alert_recipient_not_found"
    title = "A user the rule notifies is not an active user of the organisation"


class PlainAlertsSelected(Conflict):
    code = "plain_alerts_selected"
    title = "Plain alerts are dismissed, not closed with an outcome"
