import { Alert, Button, Group, Modal, MultiSelect, Select, Stack, TagsInput, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { InteractionType } from "../../api/types";
import { useUserDirectory } from "../users/queries";
import { useCreateInteraction, useCreateTicket } from "./queries";

const TYPES: { value: InteractionType; label: string }[] = [
  { value: "call", label: "Call" },
  { value: "meeting", label: "Meeting" },
  { value: "email", label: "Email" },
  { value: "qbr", label: "QBR" },
  { value: "note", label: "Note" },
  { value: "other", label: "Other" },
];

/** Now as a value for a datetime-local input (the browser's local time). */
function nowLocal(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A datetime-local value as an ISO timestamp with a time zone. */
export function withZone(local: string): string {
  return new Date(local).toISOString();
}

export function LogInteractionModal({ accountId, opened, onClose }: { accountId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateInteraction(accountId);
  const directory = useUserDirectory(opened);
  const [type, setType] = useState<InteractionType>("call");
  const [occurredAt, setOccurredAt] = useState(nowLocal);
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [outcome, setOutcome] = useState("");
  const [users, setUsers] = useState<string[]>([]);
  const [contacts, setContacts] = useState<string[]>([]);

  const close = () => {
    create.reset();
    onClose();
  };
  const submit = () => {
    create.mutate(
      {
        type,
        source: "manual",
        occurred_at: withZone(occurredAt),
        subject: subject.trim() || null,
        body: body.trim() || null,
        outcome: outcome.trim() || null,
        participant_user_ids: users,
        participant_contacts: contacts,
      },
      {
        onSuccess: () => {
          notifications.show({ color: "tenure", title: "Interaction logged", message: subject || type });
          setSubject("");
          setBody("");
          setOutcome("");
          setUsers([]);
          setContacts([]);
          close();
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="Log interaction" size="lg">
      <Stack gap="sm">
        <Select label="Type" data={TYPES} value={type} onChange={(v) => v && setType(v as InteractionType)} allowDeselect={false} />
        <TextInput label="When" type="datetime-local" value={occurredAt} onChange={(e) => setOccurredAt(e.currentTarget.value)} required />
        <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} maxLength={500} />
        <Textarea label="Details" value={body} onChange={(e) => setBody(e.currentTarget.value)} autosize minRows={3} />
        <TextInput label="Outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} maxLength={500} />
        <MultiSelect
          label="Team participants"
          data={(directory.data ?? []).map((user) => ({ value: user.id, label: user.full_name }))}
          value={users}
          onChange={setUsers}
          searchable
        />
        <TagsInput label="Customer participants" placeholder="Type a name, press Enter" value={contacts} onChange={setContacts} />
        {create.isError && (
          <Alert color="red" title="Could not log the interaction">
            {errorMessage(create.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button onClick={submit} loading={create.isPending} disabled={!occurredAt}>
            Log interaction
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function NewTicketModal({ accountId, opened, onClose }: { accountId: string; opened: boolean; onClose: () => void }) {
  const create = useCreateTicket(accountId);
  const [subject, setSubject] = useState("");
  const [status, setStatus] = useState<"open" | "pending" | "solved" | "closed">("open");
  const [priority, setPriority] = useState<"low" | "normal" | "high" | "urgent">("normal");
  const [openedAt, setOpenedAt] = useState(nowLocal);
  const [externalId, setExternalId] = useState("");

  const close = () => {
    create.reset();
    onClose();
  };
  const submit = () => {
    create.mutate(
      { subject: subject.trim(), source: "manual", status, priority, opened_at: withZone(openedAt), external_id: externalId.trim() || null },
      {
        onSuccess: () => {
          notifications.show({ color: "tenure", title: "Ticket added", message: subject });
          setSubject("");
          setExternalId("");
          close();
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="New ticket">
      <Stack gap="sm">
        <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} maxLength={500} required />
        <Select
          label="Status"
          data={["open", "pending", "solved", "closed"]}
          value={status}
          onChange={(v) => v && setStatus(v as typeof status)}
          allowDeselect={false}
        />
        <Select
          label="Priority"
          data={["low", "normal", "high", "urgent"]}
          value={priority}
          onChange={(v) => v && setPriority(v as typeof priority)}
          allowDeselect={false}
        />
        <TextInput label="Opened" type="datetime-local" value={openedAt} onChange={(e) => setOpenedAt(e.currentTarget.value)} required />
        <TextInput label="External ID" value={externalId} onChange={(e) => setExternalId(e.currentTarget.value)} maxLength={200} />
        {create.isError && (
          <Alert color="red" title="Could not add the ticket">
            {errorMessage(create.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button onClick={submit} loading={create.isPending} disabled={!subject.trim() || !openedAt}>
            Add ticket
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
