from domain.common.errors import Conflict, NotFound, RuleViolation


class TaskNotFound(NotFound):
    code = "task_not_found"
    title = "Task not found"


class NotAnAlertTask(Conflict):
    """An alert asked for its task that has none: a plain alert is dismissed instead."""

    code = "alert_not_task"
    title = "A plain alert is dismissed, not closed with an outcome"


class TaskClosed(Conflict):
    code = "task_closed"
    title = "The task is closed"


class TaskOpen(Conflict):
    code = "task_open"
    title = "The task is open"


class AlertTaskReopen(Conflict):
    code = "alert_task_reopen"
    title = "An alert task stays closed: its rule may fire again instead"


class OutcomeRequired(RuleViolation):
    code = "task_outcome_required"
    title = "Closing an alert task needs its outcome"


class OwnerNotFound(Conflict):
    code = "task_owner_not_found"
    title = "The owner is not an active user of the organisation"


class ParentTaskNotFound(Conflict):
    code = "parent_task_not_found"
    title = "The parent task is not a task on this account"


class TaskViewNotFound(NotFound):
    code = "task_view_not_found"
    title = "Task view not found"


class TaskViewNameTaken(Conflict):
    code = "task_view_name_taken"
    title = "Another task view has this name"
