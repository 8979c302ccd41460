import { ActionIcon, Badge, Box, Button, Card, Group, Stack, Switch, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPencil, IconPin, IconPinnedOff, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Note } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { RichText, RichTextEditor } from "../../components/RichText";
import { formatDateTime } from "../../components/format";
import { isBlankHtml, sanitiseHtml } from "../../components/richtext";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import type { NameOf } from "../users/queries";
import { useAccountNotes, useCreateNote, useDeleteNote, useUpdateNote } from "./queries";
import { FromChildAccount } from "./rollup";

/** Notes for the whole team, pinned ones first: written, edited, pinned and deleted in place. */
export function NotesTab({
  accountId,
  userName,
  canWrite,
  rollup = false,
}: {
  accountId: string;
  userName: NameOf;
  canWrite: boolean;
  rollup?: boolean;
}) {
  const notes = useAccountNotes(accountId, true, rollup);
  const create = useCreateNote(accountId);
  const update = useUpdateNote(accountId);
  const remove = useDeleteNote(accountId);
  const [body, setBody] = useState("");
  // A new key empties the (uncontrolled) editor after a note is added.
  const [draft, setDraft] = useState(0);
  const [pinned, setPinned] = useState(false);
  const fieldError = isApiError(create.error) ? create.error.fieldErrorMap().body : undefined;
  // The note being edited (one at a time) and its HTML.
  const [editing, setEditing] = useState<{ id: string; html: string } | null>(null);
  const editError = isApiError(update.error) ? update.error.fieldErrorMap().body : undefined;
  const [deleting, setDeleting] = useState<Note | null>(null);

  const saveEdit = () => {
    if (!editing || isBlankHtml(editing.html)) return;
    update.mutate(
      { noteId: editing.id, body: { body: sanitiseHtml(editing.html) } },
      {
        onSuccess: () => {
          setEditing(null);
          notifications.show({ color: "tenure", title: "Note updated", message: "" });
        },
      },
    );
  };

  const add = () => {
    if (isBlankHtml(body)) return;
    create.mutate(
      { body: sanitiseHtml(body), is_pinned: pinned },
      {
        onSuccess: () => {
          setBody("");
          setDraft((n) => n + 1);
          setPinned(false);
          notifications.show({ color: "tenure", title: "Note added", message: "" });
        },
      },
    );
  };
  const failed = (title: string) => (error: Error) => notifications.show({ color: "red", title, message: errorMessage(error) });

  return (
    <Stack>
      {canWrite && (
        <Card withBorder radius="lg" p="lg">
          <Stack gap="sm">
            <RichTextEditor
              key={draft}
              label="New note"
              placeholder="What should the team know about this account?"
              onChange={setBody}
              error={fieldError ?? (create.isError && !fieldError ? errorMessage(create.error) : undefined)}
              testId="note-input"
            />
            <Group justify="space-between">
              <Switch label="Pin to the top" checked={pinned} onChange={(e) => setPinned(e.currentTarget.checked)} />
              <Button onClick={add} loading={create.isPending} disabled={isBlankHtml(body)}>
                Add note
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {notes.isPending ? (
        <Card withBorder radius="lg" p="lg"><CardSkeleton lines={4} /></Card>
      ) : notes.isError ? (
        <ErrorState error={notes.error} onRetry={() => void notes.refetch()} title="Could not load notes" />
      ) : notes.data.items.length === 0 ? (
        <EmptyState title="No notes yet" description="Notes are for context the whole team should see." />
      ) : (
        notes.data.items.map((note) => (
          <Card key={note.id} withBorder radius="lg" p="md" data-testid="note" bg={note.is_pinned ? "yellow.0" : undefined}>
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Box style={{ minWidth: 0, flex: 1 }}>
                {note.is_pinned && (
                  <Badge size="xs" color="yellow" variant="light" mb={4} leftSection={<IconPin size={10} />}>
                    Pinned
                  </Badge>
                )}
                {editing?.id === note.id ? null : <RichText html={note.body} testId="note-body" />}
                <Text size="xs" c="dimmed" mt={4}>
                  {formatDateTime(note.created_at)}
                  {userName(note.author_id) ? ` · ${userName(note.author_id)}` : ""}
                </Text>
                <FromChildAccount accountId={accountId} item={note} />
              </Box>
              {canWrite && editing?.id !== note.id && (
                <Group gap={4} wrap="nowrap">
                  <Tooltip label="Edit">
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label="Edit note"
                      onClick={() => {
                        update.reset();
                        setEditing({ id: note.id, html: note.body });
                      }}
                    >
                      <IconPencil size={16} />
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label={note.is_pinned ? "Unpin" : "Pin"}>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={note.is_pinned ? "Unpin note" : "Pin note"}
                      onClick={() =>
                        update.mutate({ noteId: note.id, body: { is_pinned: !note.is_pinned } }, { onError: failed("Could not update the note") })
                      }
                    >
                      {note.is_pinned ? <IconPinnedOff size={16} /> : <IconPin size={16} />}
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Delete">
                    <ActionIcon variant="subtle" color="red" aria-label="Delete note" onClick={() => setDeleting(note)}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Group>
              )}
            </Group>
            {editing?.id === note.id && (
              <Stack gap="sm" mt="xs">
                <RichTextEditor
                  label="Note text"
                  initialHtml={note.body}
                  onChange={(html) => setEditing({ id: note.id, html })}
                  error={editError ?? (update.isError && !editError ? errorMessage(update.error) : undefined)}
                  testId="note-edit-input"
                  autoFocus
                />
                <Group justify="flex-end" gap="xs">
                  <Button variant="default" size="xs" onClick={() => setEditing(null)}>
                    Cancel
                  </Button>
                  <Button size="xs" onClick={saveEdit} loading={update.isPending} disabled={isBlankHtml(editing.html)}>
                    Save note
                  </Button>
                </Group>
              </Stack>
            )}
          </Card>
        ))
      )}
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this note?"
        confirmLabel="Delete note"
        danger
        loading={remove.isPending}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => {
              setDeleting(null);
              notifications.show({ color: "tenure", title: "Note deleted", message: "" });
            },
            onError: failed("Could not delete the note"),
          })
        }
      >
        The note is removed from the account and its timeline. This cannot be undone.
      </ConfirmModal>
    </Stack>
  );
}
