import { ActionIcon, Badge, Button, Card, Group, Modal, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconEdit, IconTrash } from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import { useLocation } from "react-router";
import { errorMessage } from "../../api/errors";
import type { AccountView, FilterCondition } from "../../api/types";
import { CardSkeleton, ErrorState } from "../../components/states";
import { useMe } from "../auth/queries";
import { useUserDirectory } from "../users/queries";
import { describeCondition } from "./conditionText";
import { useCsmOptions } from "./csms";
import { FilterBuilder } from "./FilterBuilder";
import { useAccountFields, useDeleteAccountView, useEveryonesAccountViews, useUpdateAccountView } from "./queries";
import { DeleteViewModal, viewBody } from "./ViewPicker";

/** Where a refusal to delete a field or metric sends its reader to find the views that use it. */
export const EVERYONES_VIEWS_PATH = "/admin/account-settings#account-views";

/** A view's name and filter, changed for its owner (the rest of it stays as they saved it). */
function EditViewModal({ view, onClose }: { view: AccountView | null; onClose: () => void }) {
  const fields = useAccountFields();
  const csmOptions = useCsmOptions(view !== null);
  const update = useUpdateAccountView();
  const [name, setName] = useState("");
  const [filter, setFilter] = useState<FilterCondition | null>(null);

  useEffect(() => {
    if (view) {
      setName(view.name);
      setFilter(view.filter ?? null);
      update.reset();
    }
  }, [view?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const save = () => {
    if (!view) return;
    update.mutate(
      { viewId: view.id, body: { ...viewBody(view), name: name.trim(), filter } },
      {
        onSuccess: (saved) => {
          notifications.show({ color: "tenure", title: "View updated", message: saved.name });
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened={view !== null} onClose={onClose} title="Edit view" size="xl">
      <Stack gap="sm">
        <TextInput label="Name" value={name} onChange={(event) => setName(event.currentTarget.value)} maxLength={100} required />
        <Text size="sm" fw={500}>
          Filter
        </Text>
        {fields.data ? (
          <FilterBuilder fields={fields.data} value={filter} users={csmOptions.options} onChange={setFilter} />
        ) : fields.isError ? (
          <ErrorState error={fields.error} onRetry={() => void fields.refetch()} title="Could not load the filter fields" />
        ) : (
          <CardSkeleton lines={1} />
        )}
        {update.isError && (
          <Text size="sm" c="red">
            {errorMessage(update.error)}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={save} loading={update.isPending} disabled={!name.trim()} data-testid="save-view-edit">
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/**
 * Every user's saved account views, personal ones too, for whoever configures product settings: a
 * view filtering on a custom field or metric keeps it from being deleted, and a personal one is seen
 * by no one else. Here its filter can be changed, or the view deleted.
 */
export function EveryonesViewsCard() {
  const views = useEveryonesAccountViews();
  const fields = useAccountFields();
  const directory = useUserDirectory(true);
  const me = useMe();
  const remove = useDeleteAccountView();
  const [editing, setEditing] = useState<AccountView | null>(null);
  const [deleting, setDeleting] = useState<AccountView | null>(null);
  const location = useLocation();
  const card = useRef<HTMLDivElement>(null);

  // Sent here from a refused deletion: show the list.
  useEffect(() => {
    if (location.hash === "#account-views" && views.isSuccess) card.current?.scrollIntoView?.({ behavior: "smooth", block: "start" });
  }, [location.hash, views.isSuccess]);

  const userName = (id: string) => directory.byId.get(id)?.full_name;
  const owner = (view: AccountView) => (view.owner_id === me.data?.id ? "You" : (userName(view.owner_id) ?? "A former user"));

  const onDelete = (view: AccountView) =>
    remove.mutate(view.id, {
      onSuccess: () => {
        setDeleting(null);
        notifications.show({ color: "tenure", title: "View deleted", message: view.name });
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the view", message: errorMessage(error) }),
    });

  return (
    <Card withBorder radius="lg" p="lg" id="account-views" ref={card} data-testid="everyones-views-card">
      <Title order={4}>Every user's account views</Title>
      <Text size="sm" c="dimmed" mb="md">
        Shared views and each user's personal ones. A view whose filter uses a custom field or metric keeps it from being
        deleted: change its filter, or delete the view.
      </Text>
      {views.isPending ? (
        <CardSkeleton lines={3} />
      ) : views.isError ? (
        <ErrorState error={views.error} onRetry={() => void views.refetch()} title="Could not load the views" />
      ) : views.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No saved views yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>View</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Filter</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {views.data.map((view) => (
                <Table.Tr key={view.id} data-testid="everyones-view-row">
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" fw={600}>
                        {view.name}
                      </Text>
                      <Badge variant="light" color={view.is_shared ? "tenure" : "gray"} tt="none">
                        {view.is_shared ? "Shared" : "Personal"}
                      </Badge>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{owner(view)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2} c={view.filter ? undefined : "dimmed"}>
                      {view.filter ? describeCondition(view.filter, fields.data ?? [], userName) : "No filter"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={2} justify="flex-end" wrap="nowrap">
                      <Tooltip label="Edit name and filter">
                        <ActionIcon variant="subtle" color="gray" aria-label={`Edit view ${view.name}`} onClick={() => setEditing(view)}>
                          <IconEdit size={16} />
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Delete view">
                        <ActionIcon variant="subtle" color="red" aria-label={`Delete view ${view.name}`} onClick={() => setDeleting(view)}>
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <EditViewModal view={editing} onClose={() => setEditing(null)} />
      <DeleteViewModal
        view={deleting}
        ownerName={deleting && deleting.owner_id !== me.data?.id ? owner(deleting) : undefined}
        loading={remove.isPending}
        onConfirm={() => deleting && onDelete(deleting)}
        onClose={() => setDeleting(null)}
      />
    </Card>
  );
}
