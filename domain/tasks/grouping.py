"""The groups of a grouped task list in reading order, each with its words. Pure: the counts
come from the database (repository.TaskRepository.groups)."""

from collections.abc import Iterable

from domain.tasks.models import TaskGroupBy, TaskPriority, TaskStatus, TaskType
from domain.tasks.schemas import DueBucket

# Groups with a natural order, in it; the others (owner, account, tag) by label.
_ORDER: dict[TaskGroupBy, list[str]] = {
    TaskGroupBy.DUE: [str(b) for b in DueBucket],
    TaskGroupBy.PRIORITY: [str(p) for p in reversed(TaskPriority)],
    TaskGroupBy.TYPE: [str(t) for t in TaskType],
    TaskGroupBy.STATUS: [str(s) for s in TaskStatus],
}
_NONE = {TaskGroupBy.OWNER: "No owner", TaskGroupBy.TAG: "No tag"}
_WORDS = {
    str(DueBucket.THIS_WEEK): "This week",
    str(DueBucket.NO_DATE): "No due date",
}


def label(group_by: TaskGroupBy, key: str | None, name: str | None) -> str:
    if key is None:
        return _NONE.get(group_by, "None")
    if group_by in (TaskGroupBy.OWNER, TaskGroupBy.ACCOUNT, TaskGroupBy.TAG):
        return name or key
    return _WORDS.get(key, key.replace("_", " ").capitalize())


def ordered(
    group_by: TaskGroupBy, counts: Iterable[tuple[str | None, str | None, int]]
) -> list[tuple[str | None, str, int]]:
    """(key, label, count) in reading order; the group of no owner or no tag last."""
    order = _ORDER.get(group_by)
    groups = [(key, label(group_by, key, name), count) for key, name, count in counts]

    def rank(group: tuple[str | None, str, int]) -> tuple[int, int, str, str]:
        key, words, _ = group
        place = order.index(key) if order is not None and key in order else 0
        return (key is None, place, words.casefold(), key or "")

    return sorted(groups, key=rank)
