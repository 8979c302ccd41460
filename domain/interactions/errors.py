from domain.common.errors import Conflict, NotFound, RuleViolation


class InteractionNotFound(NotFound):
    code = "interaction_not_found"
    title = "Interaction not found"


class NoteNotFound(NotFound):
    code = "note_not_found"
    title = "Note not found"


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    title = "Ticket not found"


class NotATeamUser(Conflict):
    code = "not_a_team_user"
    title = "Participants must be users of this organisation"


class EmptyNote(RuleViolation):
    code = "empty_note"
    title = "The note has no content once unsafe markup is removed"


class InteractionExternalIdTaken(Conflict):
    code = "interaction_external_id_taken"
    title = "Another interaction from this source already has this external id"


class TicketExternalIdTaken(Conflict):
    code = "ticket_external_id_taken"
    title = "Another ticket from this source already has this external id"


class TicketClosedBeforeOpened(RuleViolation):
    code = "ticket_closed_before_opened"
    title = "A ticket cannot be closed before it was opened"


class OpenTicketHasNoCloseTime(RuleViolation):
    code = "open_ticket_has_no_close_time"
    title = "Only a solved or closed ticket has a closed time"


class TicketTimesConflict(Conflict):
    """The request's opened or closed time against the one the ticket has (the request's own
    two times in the wrong order are a TicketClosedBeforeOpened)."""

    code = "ticket_times_conflict"
    title = "The ticket would be closed before it was opened"


class TicketNotClosed(Conflict):
    """A closed time for a ticket whose stored status is open (a request that also sets an open
    status is an OpenTicketHasNoCloseTime)."""

    code = "ticket_not_closed"
    title = "The ticket is not solved or closed, so it has no closed time"
