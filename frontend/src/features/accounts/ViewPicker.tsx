import { ActionIcon, Button, Group, Menu, Modal, ScrollArea, Stack, Switch, Text, TextInput, Tooltip } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconBookmark, IconChevronDown, IconPencil, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { AccountSegment, AccountSort, AccountView, AccountViewWrite, FilterCondition } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { useCan, useMe } from "../auth/queries";
import { useAccountViews, useCreateAccountView, useDeleteAccountView, useUpdateAccountView } from "./queries";

export interface CurrentView {
  filter: FilterCondition | null;
  sort: AccountSort;
  descending: boolean;
  columns: string[];
  segment: AccountSegment;
}

/** A saved view as the API takes it back (to rename or share it without changing what it shows). */
export function viewBody(view: AccountView): AccountViewWrite {
  return {
    name: view.name,
    is_shared: view.is_shared,
    filter: view.filter,
    sort: view.sort,
    descending: view.descending,
    columns: view.columns,
    segment: view.segment,
  };
}

/** Asks before a saved view (of accounts or tasks) is deleted, for good and, if it is shared, for everyone. */
export function DeleteViewModal({
  view,
  ownerName,
  loading,
  onConfirm,
  onClose,
}: {
  /** The view to delete; null when none is. */
  view: { name: string; is_shared: boolean } | null;
  /** Whose personal view it is, when not the reader's. */
  ownerName?: string;
  loading: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <ConfirmModal opened={view !== null} onClose={onClose} title="Delete this view?" confirmLabel="Delete view" danger loading={loading} onConfirm={onConfirm}>
      {view?.is_shared
        ? `“${view.name}” is shared with the organisation: it will be deleted for everyone. This cannot be undone.`
        : ownerName
          ? `“${view?.name ?? ""}” is ${ownerName}'s personal view: it will be deleted for them. This cannot be undone.`
          : `“${view?.name ?? ""}” will be deleted. This cannot be undone.`}
    </ConfirmModal>
  );
}

/**
 * Saved views: open one (its filter, segment, sort and columns), save the current state into the open
 * view or as a new one, rename or share a view, delete one (once asked). Anyone edits their own views; shared
 * views of others need "configure product settings", as the API checks.
 */
export function ViewPicker({
  current,
  selectedId,
  onOpen,
  onSaved,
  onDeleted,
}: {
  current: CurrentView;
  selectedId: string | null;
  onOpen: (view: AccountView) => void;
  /** A view was saved (created, or updated with the current state): it is now the open one. */
  onSaved: (view: AccountView) => void;
  onDeleted: (view: AccountView) => void;
}) {
  const views = useAccountViews();
  const me = useMe();
  const can = useCan();
  const create = useCreateAccountView();
  const updateView = useUpdateAccountView();
  const remove = useDeleteAccountView();
  const [menuOpened, menu] = useDisclosure(false);
  const [saveOpened, saveModal] = useDisclosure(false);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [editing, setEditing] = useState<AccountView | null>(null);
  const [editName, setEditName] = useState("");
  const [editShared, setEditShared] = useState(false);
  const [deleting, setDeleting] = useState<AccountView | null>(null);

  const selected = views.data?.find((view) => view.id === selectedId) ?? null;
  const editable = (view: AccountView) => view.owner_id === me.data?.id || can("configure_product");

  const save = () => {
    create.mutate(
      {
        name: name.trim(),
        is_shared: shared,
        filter: current.filter,
        sort: current.sort,
        descending: current.descending,
        columns: current.columns,
        segment: current.segment,
      },
      {
        onSuccess: (view) => {
          notifications.show({ color: "tenure", title: "View saved", message: view.name });
          setName("");
          setShared(false);
          saveModal.close();
          onSaved(view);
        },
      },
    );
  };

  const saveChanges = (view: AccountView) => {
    updateView.mutate(
      {
        viewId: view.id,
        body: {
          ...viewBody(view),
          filter: current.filter,
          sort: current.sort,
          descending: current.descending,
          columns: current.columns,
          segment: current.segment,
        },
      },
      {
        onSuccess: (saved) => {
          notifications.show({ color: "tenure", title: "View updated", message: saved.name });
          onSaved(saved);
        },
        onError: (error) => notifications.show({ color: "red", title: "Could not update the view", message: errorMessage(error) }),
      },
    );
  };

  const startEdit = (view: AccountView) => {
    updateView.reset();
    setEditName(view.name);
    setEditShared(view.is_shared);
    setEditing(view);
  };

  const saveEdit = () => {
    if (!editing) return;
    updateView.mutate(
      { viewId: editing.id, body: { ...viewBody(editing), name: editName.trim(), is_shared: editShared } },
      {
        onSuccess: (saved) => {
          notifications.show({ color: "tenure", title: "View renamed", message: saved.name });
          setEditing(null);
        },
      },
    );
  };

  const onDelete = (view: AccountView) => {
    remove.mutate(view.id, {
      onSuccess: () => {
        setDeleting(null);
        notifications.show({ color: "tenure", title: "View deleted", message: view.name });
        onDeleted(view);
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the view", message: errorMessage(error) }),
    });
  };

  return (
    <>
      {/* Controlled, to close it when a view's rename or delete opens a dialog (their clicks are not the item's). */}
      <Menu opened={menuOpened} onChange={menu.set} position="bottom-end" width={300} shadow="md">
        <Menu.Target>
          <Button variant="default" leftSection={<IconBookmark size={16} />} rightSection={<IconChevronDown size={14} />} data-testid="views-menu">
            {selected ? selected.name : "Views"}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Saved views</Menu.Label>
          {views.isPending && <Menu.Item disabled>Loading…</Menu.Item>}
          {views.isError && <Menu.Item disabled>{errorMessage(views.error)}</Menu.Item>}
          {views.data?.length === 0 && <Menu.Item disabled>No saved views yet</Menu.Item>}
          {/* An organisation may have dozens of views: the list scrolls, the save actions stay in reach. */}
          <ScrollArea.Autosize mah={360} type="auto">
            {views.data?.map((view) => (
              <Menu.Item
                key={view.id}
                onClick={() => onOpen(view)}
                data-testid="view-item"
                bg={view.id === selectedId ? "gray.1" : undefined}
                rightSection={
                  editable(view) ? (
                    <Group gap={2} wrap="nowrap">
                      <Tooltip label="Rename or share">
                        <ActionIcon
                          component="span"
                          role="button"
                          size="sm"
                          variant="subtle"
                          color="gray"
                          aria-label={`Rename view ${view.name}`}
                          onClick={(event) => {
                            event.stopPropagation();
                            menu.close();
                            startEdit(view);
                          }}
                        >
                          <IconPencil size={14} />
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Delete view">
                        <ActionIcon
                          component="span"
                          role="button"
                          size="sm"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete view ${view.name}`}
                          onClick={(event) => {
                            event.stopPropagation();
                            menu.close();
                            setDeleting(view);
                          }}
                        >
                          <IconTrash size={14} />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  ) : null
                }
              >
                <Group gap={6} wrap="nowrap">
                  <Text size="sm">{view.name}</Text>
                  {view.is_shared && (
                    <Text size="xs" c="dimmed">
                      shared
                    </Text>
                  )}
                </Group>
              </Menu.Item>
            ))}
          </ScrollArea.Autosize>
          <Menu.Divider />
          {selected && editable(selected) && (
            <Menu.Item onClick={() => saveChanges(selected)} data-testid="save-view-changes">
              Save changes to “{selected.name}”
            </Menu.Item>
          )}
          <Menu.Item onClick={saveModal.open} data-testid="save-view">
            {selected ? "Save as a new view…" : "Save current view…"}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={saveOpened} onClose={saveModal.close} title="Save view">
        <Stack gap="sm">
          <TextInput label="Name" value={name} onChange={(event) => setName(event.currentTarget.value)} maxLength={100} required />
          {can("configure_product") && (
            <Switch label="Share with the organisation" checked={shared} onChange={(event) => setShared(event.currentTarget.checked)} />
          )}
          {create.isError && (
            <Text size="sm" c="red">
              {errorMessage(create.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={saveModal.close}>
              Cancel
            </Button>
            <Button onClick={save} loading={create.isPending} disabled={!name.trim()}>
              Save view
            </Button>
          </Group>
        </Stack>
      </Modal>
      <DeleteViewModal
        view={deleting}
        loading={remove.isPending}
        onConfirm={() => deleting && onDelete(deleting)}
        onClose={() => setDeleting(null)}
      />
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title="Edit view">
        <Stack gap="sm">
          <TextInput label="Name" value={editName} onChange={(event) => setEditName(event.currentTarget.value)} maxLength={100} required />
          {/* Sharing needs "configure product settings"; whoever may edit a shared view may stop sharing it. */}
          {(can("configure_product") || editing?.is_shared) && (
            <Switch
              label="Share with the organisation"
              checked={editShared}
              disabled={!can("configure_product") && !editShared}
              onChange={(event) => setEditShared(event.currentTarget.checked)}
            />
          )}
          {updateView.isError && (
            <Text size="sm" c="red">
              {errorMessage(updateView.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setEditing(null)}>
              Cancel
            </Button>
            <Button onClick={saveEdit} loading={updateView.isPending} disabled={!editName.trim()}>
              Save
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
