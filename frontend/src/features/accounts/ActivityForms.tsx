import { Alert, Button, Group, Modal, MultiSelect, Select, Stack, TagsInput, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { Interaction, InteractionType, Ticket } from "../../api/types";
import { useUserDirectory } from "../users/queries";
import { useCreateInteraction, useCreateTicket, useUpdateInteraction, useUpdateTicket } from "./queries";

export const INTERACTION_TYPES: { value: InteractionType; label: string }[] = [
  { value: "call", label: "Call" },
  { value: "meeting", label: "Meeting" },
  { value: "email", label: "Email" },
  { value: "qbr", label: "QBR" },
  { value: "note", label: "Note" },
  { value: "other", label: "Other" },
];

/** An interaction type as the type pickers name it (the raw value for one they do not know). */
export function interactionTypeLabel(type: string): string {
  return INTERACTION_TYPES.find((t) => t.value === type)?.label ?? type;
}

type TicketStatus = Ticket["status"];
type TicketPriority = Ticket["priority"];
export const TICKET_STATUSES: TicketStatus[] = ["open", "pending", "solved", "closed"];
const TICKET_PRIORITIES: TicketPriority[] = ["low", "normal", "high", "urgent"];

/** A time as a value for a datetime-local input (the browser's local time, to the minute). */
export function toLocalInput(value: Date | string): string {
  const d = new Date(value);
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A datetime-local value as an ISO timestamp with a time zone. */
export function withZone(local: string): string {
  return new Date(local).toISOString();
}

/** Log an interaction on an account, or edit `interaction` when it is given. */
export function InteractionFormModal({
  accountId,
  interaction,
  opened,
  onClose,
}: {
  accountId: string;
  interaction?: Interaction;
  opened: boolean;
  onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={interaction ? "Edit interaction" : "Log interaction"} size="lg">
      {/* Mounted only while open: each opening starts from the interaction (or a blank form). */}
      {opened && <InteractionForm accountId={accountId} interaction={interaction} onClose={onClose} />}
    </Modal>
  );
}

function InteractionForm({ accountId, interaction, onClose }: { accountId: string; interaction?: Interaction; onClose: () => void }) {
  const create = useCreateInteraction(accountId);
  const update = useUpdateInteraction(accountId);
  const mutation = interaction ? update : create;
  const directory = useUserDirectory(true);
  const initialAt = interaction ? toLocalInput(interaction.occurred_at) : toLocalInput(new Date());
  const [type, setType] = useState<InteractionType>(interaction?.type ?? "call");
  const [occurredAt, setOccurredAt] = useState(initialAt);
  const [subject, setSubject] = useState(interaction?.subject ?? "");
  const [body, setBody] = useState(interaction?.body ?? "");
  const [outcome, setOutcome] = useState(interaction?.outcome ?? "");
  const [users, setUsers] = useState<string[]>(interaction?.participant_user_ids ?? []);
  const [contacts, setContacts] = useState<string[]>(interaction?.participant_contacts ?? []);

  const fields = {
    type,
    subject: subject.trim() || null,
    body: body.trim() || null,
    outcome: outcome.trim() || null,
    participant_user_ids: users,
    participant_contacts: contacts,
  };
  const saved = (title: string) => () => {
    notifications.show({ color: "tenure", title, message: subject || type });
    onClose();
  };
  const submit = () => {
    if (interaction) {
      // The input shows minutes: an untouched time is not sent, so its seconds survive.
      const moved = occurredAt !== initialAt ? { occurred_at: withZone(occurredAt) } : {};
      update.mutate({ interactionId: interaction.id, body: { ...fields, ...moved } }, { onSuccess: saved("Interaction updated") });
    } else {
      create.mutate({ ...fields, source: "manual", occurred_at: withZone(occurredAt) }, { onSuccess: saved("Interaction logged") });
    }
  };
  // Team users who took part stay listed even if they are not in the directory any more.
  const userOptions = (directory.data ?? []).map((user) => ({ value: user.id, label: user.full_name }));
  for (const id of users) if (!userOptions.some((o) => o.value === id)) userOptions.push({ value: id, label: "Former team member" });

  return (
    <Stack gap="sm">
      <Select label="Type" data={INTERACTION_TYPES} value={type} onChange={(v) => v && setType(v as InteractionType)} allowDeselect={false} />
      <TextInput label="When" type="datetime-local" value={occurredAt} onChange={(e) => setOccurredAt(e.currentTarget.value)} required />
      <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} maxLength={500} />
      <Textarea label="Details" value={body} onChange={(e) => setBody(e.currentTarget.value)} autosize minRows={3} />
      <TextInput label="Outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} maxLength={500} />
      <MultiSelect label="Team participants" data={userOptions} value={users} onChange={setUsers} searchable />
      <TagsInput label="Customer participants" placeholder="Type a name, press Enter" value={contacts} onChange={setContacts} />
      {mutation.isError && (
        <Alert color="red" title={interaction ? "Could not save the interaction" : "Could not log the interaction"}>
          {errorMessage(mutation.error)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={submit} loading={mutation.isPending} disabled={!occurredAt}>
          {interaction ? "Save interaction" : "Log interaction"}
        </Button>
      </Group>
    </Stack>
  );
}

/** Add a ticket to an account, or edit `ticket` when it is given. */
export function TicketFormModal({
  accountId,
  ticket,
  opened,
  onClose,
}: {
  accountId: string;
  ticket?: Ticket;
  opened: boolean;
  onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={ticket ? "Edit ticket" : "New ticket"}>
      {opened && <TicketForm accountId={accountId} ticket={ticket} onClose={onClose} />}
    </Modal>
  );
}

function TicketForm({ accountId, ticket, onClose }: { accountId: string; ticket?: Ticket; onClose: () => void }) {
  const create = useCreateTicket(accountId);
  const update = useUpdateTicket(accountId);
  const mutation = ticket ? update : create;
  const initialOpenedAt = ticket ? toLocalInput(ticket.opened_at) : toLocalInput(new Date());
  const [subject, setSubject] = useState(ticket?.subject ?? "");
  const [status, setStatus] = useState<TicketStatus>(ticket?.status ?? "open");
  const [priority, setPriority] = useState<TicketPriority>(ticket?.priority ?? "normal");
  const [openedAt, setOpenedAt] = useState(initialOpenedAt);
  const [externalId, setExternalId] = useState("");

  const saved = (title: string) => () => {
    notifications.show({ color: "tenure", title, message: subject });
    onClose();
  };
  const submit = () => {
    if (ticket) {
      const moved = openedAt !== initialOpenedAt ? { opened_at: withZone(openedAt) } : {};
      update.mutate(
        { ticketId: ticket.id, body: { subject: subject.trim(), status, priority, ...moved } },
        { onSuccess: saved("Ticket updated") },
      );
    } else {
      create.mutate(
        { subject: subject.trim(), source: "manual", status, priority, opened_at: withZone(openedAt), external_id: externalId.trim() || null },
        { onSuccess: saved("Ticket added") },
      );
    }
  };

  return (
    <Stack gap="sm">
      <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} maxLength={500} required />
      <Select
        label="Status"
        description={ticket ? "Solving or closing it records the close time; reopening clears it" : undefined}
        data={TICKET_STATUSES}
        value={status}
        onChange={(v) => v && setStatus(v as TicketStatus)}
        allowDeselect={false}
      />
      <Select label="Priority" data={TICKET_PRIORITIES} value={priority} onChange={(v) => v && setPriority(v as TicketPriority)} allowDeselect={false} />
      <TextInput label="Opened" type="datetime-local" value={openedAt} onChange={(e) => setOpenedAt(e.currentTarget.value)} required />
      {ticket ? (
        ticket.external_id && <TextInput label="External ID" value={ticket.external_id} description={`From ${ticket.source}`} readOnly />
      ) : (
        <TextInput label="External ID" value={externalId} onChange={(e) => setExternalId(e.currentTarget.value)} maxLength={200} />
      )}
      {mutation.isError && (
        <Alert color="red" title={ticket ? "Could not save the ticket" : "Could not add the ticket"}>
          {errorMessage(mutation.error)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={submit} loading={mutation.isPending} disabled={!subject.trim() || !openedAt}>
          {ticket ? "Save ticket" : "Add ticket"}
        </Button>
      </Group>
    </Stack>
  );
}
