import { ActionIcon, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title, Tooltip } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconEdit, IconLock, IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { Role } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { LANDING_PAGES, RoleFormModal } from "./RoleFormModal";
import { useDeleteRole, usePermissions, useRoles } from "./queries";

export function RolesPage() {
  const roles = useRoles();
  const permissions = usePermissions();
  const remove = useDeleteRole();
  const [formOpened, formModal] = useDisclosure(false);
  const [editing, setEditing] = useState<Role | undefined>();
  const [deleting, setDeleting] = useState<Role | null>(null);
  const label = new Map((permissions.data ?? []).map((p) => [p.key, p.label]));

  const openCreate = () => {
    setEditing(undefined);
    formModal.open();
  };
  const openEdit = (role: Role) => {
    setEditing(role);
    formModal.open();
  };
  const onDelete = () => {
    if (!deleting) return;
    remove.mutate(deleting.id, {
      onSuccess: () => {
        notifications.show({ color: "tenure", title: "Role deleted", message: deleting.name });
        setDeleting(null);
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the role", message: errorMessage(error) }),
    });
  };

  const error = roles.error ?? permissions.error;
  let content;
  if (error) {
    content = <ErrorState error={error} onRetry={() => { void roles.refetch(); void permissions.refetch(); }} title="Could not load roles" />;
  } else if (!roles.data || !permissions.data) {
    content = (
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {[0, 1, 2, 3].map((i) => (
          <Card key={i} withBorder radius="lg" p="lg">
            <CardSkeleton lines={3} />
          </Card>
        ))}
      </SimpleGrid>
    );
  } else if (roles.data.length === 0) {
    content = <EmptyState title="No roles yet" />;
  } else {
    content = (
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {roles.data.map((role) => (
          <Card key={role.id} withBorder radius="lg" p="lg" data-testid="role-card">
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Stack gap={2}>
                <Group gap="xs">
                  <Title order={4}>{role.name}</Title>
                  {role.is_builtin && (
                    <Tooltip label="Built-in roles cannot be changed">
                      <Badge variant="light" color="gray" leftSection={<IconLock size={10} />}>
                        Built-in
                      </Badge>
                    </Tooltip>
                  )}
                </Group>
                {role.description && (
                  <Text size="sm" c="dimmed">
                    {role.description}
                  </Text>
                )}
              </Stack>
              {!role.is_builtin && (
                <Group gap={4} wrap="nowrap">
                  <ActionIcon variant="subtle" color="gray" aria-label={`Edit ${role.name}`} onClick={() => openEdit(role)}>
                    <IconEdit size={18} />
                  </ActionIcon>
                  <ActionIcon variant="subtle" color="red" aria-label={`Delete ${role.name}`} onClick={() => setDeleting(role)}>
                    <IconTrash size={18} />
                  </ActionIcon>
                </Group>
              )}
            </Group>
            <Text size="xs" c="dimmed" mt="sm">
              Lands on {LANDING_PAGES.find((p) => p.value === role.landing_page)?.label ?? role.landing_page}
            </Text>
            <Group gap={6} mt="sm">
              {role.permissions.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No permissions
                </Text>
              ) : (
                role.permissions.map((key) => (
                  <Badge key={key} variant="light" radius="sm" tt="none" fw={500}>
                    {label.get(key) ?? key}
                  </Badge>
                ))
              )}
            </Group>
          </Card>
        ))}
      </SimpleGrid>
    );
  }

  return (
    <>
      <PageHeader
        title="Roles"
        description="Roles decide what people can see and do. Built-in roles are read-only; create your own for anything else."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={openCreate} disabled={!permissions.data}>
            New role
          </Button>
        }
      />
      {content}
      <RoleFormModal opened={formOpened} onClose={formModal.close} role={editing} permissions={permissions.data ?? []} />
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        title="Delete this role?"
        confirmLabel="Delete role"
        danger
        loading={remove.isPending}
        onConfirm={onDelete}
      >
        {deleting ? `“${deleting.name}” will be deleted. A role that people still hold cannot be deleted.` : ""}
      </ConfirmModal>
    </>
  );
}
