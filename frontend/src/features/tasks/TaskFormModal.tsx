import { Button, Group, Modal, Select, Stack, TagsInput, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { AccountPicker } from "../accounts/AccountPicker";
import { useCreateTask } from "./queries";
import { PRIORITIES, type TaskPriority } from "./tasks";

/** A new regular task, yours by default; on a fixed account when opened from one. */
export function TaskFormModal({ accountId, onClose }: { accountId?: string; onClose: () => void }) {
  const create = useCreateTask();
  const [account, setAccount] = useState<string | null>(accountId ?? null);
  const [title, setTitle] = useState("");
  const [details, setDetails] = useState("");
  const [due, setDue] = useState("");
  const [priority, setPriority] = useState<TaskPriority>("normal");
  const [tags, setTags] = useState<string[]>([]);
  const submit = () => {
    if (!account) return;
    create.mutate(
      { account_id: account, title, details, due_on: due || null, priority, tags },
      {
        onSuccess: () => {
          notifications.show({ color: "tenure", title: "Task created", message: title });
          onClose();
        },
        onError: (error) => notifications.show({ color: "red", title: "Could not create the task", message: errorMessage(error) }),
      },
    );
  };
  return (
    <Modal opened onClose={onClose} title="New task">
      <Stack>
        {!accountId && <AccountPicker label="Account" value={account} onChange={setAccount} data-testid="task-account" />}
        <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-testid="task-title" />
        <Textarea label="Details" value={details} onChange={(e) => setDetails(e.currentTarget.value)} autosize minRows={2} />
        <Group grow>
          <TextInput label="Due" type="date" value={due} onChange={(e) => setDue(e.currentTarget.value)} />
          <Select label="Priority" value={priority} onChange={(v) => v && setPriority(v as TaskPriority)} data={PRIORITIES} allowDeselect={false} />
        </Group>
        <TagsInput label="Tags" value={tags} onChange={setTags} />
        <Group justify="flex-end">
          <Button disabled={!account || !title.trim()} loading={create.isPending} onClick={submit} data-testid="task-save">
            Create
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
