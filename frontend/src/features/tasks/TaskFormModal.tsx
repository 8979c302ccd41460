import { Button, Group, Modal, Select, Stack, TagsInput, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { AccountPicker } from "../accounts/AccountPicker";
import { useMe } from "../auth/queries";
import { useUserDirectory } from "../users/queries";
import { useCreateTask, useUpdateTask } from "./queries";
import { PRIORITIES, type TaskPriority, type TaskRead } from "./tasks";

/** A new regular task, yours by default (on a fixed account when opened from one), or an
 * existing task's title, details, owner, due day, priority and tags (its account never changes). */
export function TaskFormModal({ accountId, task, onClose }: { accountId?: string; task?: TaskRead; onClose: () => void }) {
  const me = useMe();
  const users = useUserDirectory(true);
  const create = useCreateTask();
  const update = useUpdateTask();
  const [account, setAccount] = useState<string | null>(task?.account_id ?? accountId ?? null);
  const [title, setTitle] = useState(task?.title ?? "");
  const [details, setDetails] = useState(task?.details ?? "");
  const [owner, setOwner] = useState<string | null>(task ? task.owner_id : (me.data?.id ?? null));
  const [due, setDue] = useState(task?.due_on ?? "");
  const [priority, setPriority] = useState<TaskPriority>(task?.priority ?? "normal");
  const [tags, setTags] = useState<string[]>(task?.tags ?? []);
  // Tasks go to active users; a task's current owner stays listed even once deactivated.
  const owners = (users.data ?? [])
    .filter((u) => u.status === "active" || u.id === task?.owner_id)
    .map((u) => ({ value: u.id, label: u.full_name || u.email }));
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });
  const submit = () => {
    if (task) {
      // A task's owner can be changed, not removed (a playbook may have left it without one).
      const changes = { title, details, due_on: due || null, priority, tags, ...(owner ? { owner_id: owner } : {}) };
      update.mutate(
        { id: task.id, body: changes },
        {
          onSuccess: () => {
            notifications.show({ color: "tenure", title: "Task saved", message: title });
            onClose();
          },
          onError: failed("Could not save the task"),
        },
      );
      return;
    }
    if (!account) return;
    create.mutate(
      { account_id: account, title, details, due_on: due || null, priority, tags, ...(owner ? { owner_id: owner } : {}) },
      {
        onSuccess: () => {
          notifications.show({ color: "tenure", title: "Task created", message: title });
          onClose();
        },
        onError: failed("Could not create the task"),
      },
    );
  };
  return (
    <Modal opened onClose={onClose} title={task ? "Edit task" : "New task"}>
      <Stack>
        {!accountId && !task && <AccountPicker label="Account" value={account} onChange={setAccount} data-testid="task-account" />}
        <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-testid="task-title" />
        <Textarea label="Details" value={details} onChange={(e) => setDetails(e.currentTarget.value)} autosize minRows={2} />
        <Select
          label="Owner"
          placeholder={task && !task.owner_id ? "No owner yet" : undefined}
          value={owner}
          onChange={(v) => v && setOwner(v)}
          data={owners}
          searchable
          allowDeselect={false}
          data-testid="task-owner"
        />
        <Group grow>
          <TextInput label="Due" type="date" value={due} onChange={(e) => setDue(e.currentTarget.value)} />
          <Select label="Priority" value={priority} onChange={(v) => v && setPriority(v as TaskPriority)} data={PRIORITIES} allowDeselect={false} />
        </Group>
        <TagsInput label="Tags" value={tags} onChange={setTags} />
        <Group justify="flex-end">
          <Button disabled={!account || !title.trim()} loading={create.isPending || update.isPending} onClick={submit} data-testid="task-save">
            {task ? "Save" : "Create"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
