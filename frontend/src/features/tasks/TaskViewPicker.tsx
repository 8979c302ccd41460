import { Badge, Button, Group, Menu, Modal, Stack, Switch, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconBookmark, IconChevronDown, IconStar, IconStarFilled, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { DeleteViewModal } from "../accounts/ViewPicker";
import { useCan, useMe } from "../auth/queries";
import { useClearDefaultTaskView, useCreateTaskView, useDeleteTaskView, useSetDefaultTaskView, useTaskViews } from "./queries";
import { TABS, type TaskTab, type TaskViewRead, type TaskViewWrite } from "./tasks";

/**
 * The Tasks page's views: the built-in ones and the saved ones (yours and the organisation's
 * shared ones); save the page as a view, make the open view your default, delete it (once asked).
 */
export function TaskViewPicker({
  current,
  selected,
  onBuiltIn,
  onOpen,
  onDeleted,
}: {
  /** The page as a view would keep it (without a name). */
  current: Omit<TaskViewWrite, "name" | "is_shared">;
  selected: TaskViewRead | null;
  onBuiltIn: (tab: TaskTab) => void;
  onOpen: (view: TaskViewRead) => void;
  onDeleted: () => void;
}) {
  const views = useTaskViews();
  const me = useMe();
  const can = useCan();
  const create = useCreateTaskView();
  const remove = useDeleteTaskView();
  const setDefault = useSetDefaultTaskView();
  const clearDefault = useClearDefaultTaskView();
  const [saving, saveModal] = useDisclosure(false);
  const [deleting, deleteModal] = useDisclosure(false);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });
  const editable = (view: TaskViewRead) => view.owner_id === me.data?.id || can("configure_product");

  const save = () =>
    create.mutate(
      { ...current, name: name.trim(), is_shared: shared },
      {
        onSuccess: (view) => {
          saveModal.close();
          setName("");
          setShared(false);
          onOpen(view);
          notifications.show({ color: "tenure", title: "View saved", message: view.name });
        },
        onError: failed("Could not save the view"),
      },
    );

  return (
    <Group gap="xs">
      <Menu position="bottom-start" withinPortal>
        <Menu.Target>
          <Button variant="default" rightSection={<IconChevronDown size={14} />} data-testid="task-views">
            {selected ? selected.name : "Views"}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Built-in</Menu.Label>
          {TABS.map((t) => (
            <Menu.Item key={t.value} onClick={() => onBuiltIn(t.value)}>
              {t.label}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Label>Saved</Menu.Label>
          {(views.data ?? []).length === 0 && <Menu.Item disabled>No saved views yet</Menu.Item>}
          {(views.data ?? []).map((view) => (
            <Menu.Item
              key={view.id}
              onClick={() => onOpen(view)}
              leftSection={view.is_default ? <IconStarFilled size={14} /> : <IconBookmark size={14} />}
              rightSection={view.is_shared ? <Badge size="xs" variant="light">shared</Badge> : undefined}
              data-testid="task-view-option"
            >
              {view.name}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <Button variant="default" leftSection={<IconBookmark size={16} />} onClick={saveModal.open} data-testid="task-view-save">
        Save view
      </Button>
      {selected &&
        (selected.is_default ? (
          <Button
            variant="subtle"
            leftSection={<IconStarFilled size={16} />}
            loading={clearDefault.isPending}
            onClick={() => clearDefault.mutate(undefined, { onError: failed("Could not change your default") })}
            data-testid="task-view-undefault"
          >
            Your default
          </Button>
        ) : (
          <Button
            variant="subtle"
            leftSection={<IconStar size={16} />}
            loading={setDefault.isPending}
            onClick={() => setDefault.mutate(selected.id, { onError: failed("Could not set the default") })}
            data-testid="task-view-default"
          >
            Set as default
          </Button>
        ))}
      {selected && editable(selected) && (
        <Button
          variant="subtle"
          color="red"
          leftSection={<IconTrash size={16} />}
          onClick={deleteModal.open}
          data-testid="task-view-delete"
        >
          Delete view
        </Button>
      )}
      <DeleteViewModal
        view={deleting ? selected : null}
        loading={remove.isPending}
        onConfirm={() =>
          selected &&
          remove.mutate(selected.id, {
            onSuccess: () => {
              deleteModal.close();
              onDeleted();
            },
            onError: failed("Could not delete the view"),
          })
        }
        onClose={deleteModal.close}
      />
      <Modal opened={saving} onClose={saveModal.close} title="Save view">
        <Stack>
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="task-view-name" data-autofocus />
          {can("configure_product") && (
            <Switch label="Share with the organisation" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={saveModal.close}>
              Cancel
            </Button>
            <Button onClick={save} disabled={!name.trim()} loading={create.isPending} data-testid="task-view-confirm">
              Save
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}
