import { ActionIcon, Button, Group, Menu, Modal, Stack, Switch, Text, TextInput, Tooltip } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconBookmark, IconChevronDown, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { AccountSort, AccountView, FilterCondition } from "../../api/types";
import { useCan, useMe } from "../auth/queries";
import { useAccountViews, useCreateAccountView, useDeleteAccountView } from "./queries";

export interface CurrentView {
  filter: FilterCondition | null;
  sort: AccountSort;
  descending: boolean;
  columns: string[];
}

/** Saved views: open one (its filter and sort), save the current one, delete your own. */
export function ViewPicker({ current, onOpen }: { current: CurrentView; onOpen: (view: AccountView) => void }) {
  const views = useAccountViews();
  const me = useMe();
  const can = useCan();
  const create = useCreateAccountView();
  const remove = useDeleteAccountView();
  const [saveOpened, saveModal] = useDisclosure(false);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);

  const save = () => {
    create.mutate(
      { name: name.trim(), is_shared: shared, filter: current.filter, sort: current.sort, descending: current.descending, columns: current.columns },
      {
        onSuccess: (view) => {
          notifications.show({ color: "tenure", title: "View saved", message: view.name });
          setName("");
          setShared(false);
          saveModal.close();
        },
      },
    );
  };

  const onDelete = (view: AccountView) => {
    remove.mutate(view.id, {
      onSuccess: () => notifications.show({ color: "tenure", title: "View deleted", message: view.name }),
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the view", message: errorMessage(error) }),
    });
  };

  return (
    <>
      <Menu position="bottom-end" width={280} shadow="md">
        <Menu.Target>
          <Button variant="default" leftSection={<IconBookmark size={16} />} rightSection={<IconChevronDown size={14} />} data-testid="views-menu">
            Views
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Saved views</Menu.Label>
          {views.isPending && <Menu.Item disabled>Loading…</Menu.Item>}
          {views.isError && <Menu.Item disabled>{errorMessage(views.error)}</Menu.Item>}
          {views.data?.length === 0 && <Menu.Item disabled>No saved views yet</Menu.Item>}
          {views.data?.map((view) => (
            <Menu.Item
              key={view.id}
              onClick={() => onOpen(view)}
              data-testid="view-item"
              rightSection={
                view.owner_id === me.data?.id ? (
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
                        onDelete(view);
                      }}
                    >
                      <IconTrash size={14} />
                    </ActionIcon>
                  </Tooltip>
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
          <Menu.Divider />
          <Menu.Item onClick={saveModal.open} data-testid="save-view">
            Save current view…
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
    </>
  );
}
