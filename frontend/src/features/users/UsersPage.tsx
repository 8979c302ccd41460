import {
  ActionIcon,
  Avatar,
  Badge,
  Box,
  Button,
  Card,
  Group,
  Menu,
  Modal,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconDots,
  IconKey,
  IconMailForward,
  IconSearch,
  IconShieldOff,
  IconUserCheck,
  IconUserCog,
  IconUsersGroup,
  IconUserOff,
  IconUserPlus,
} from "@tabler/icons-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { errorMessage } from "../../api/errors";
import type { Role, User, UserStatus } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { useMe } from "../auth/queries";
import { useRoles } from "../roles/queries";
import { InviteUserModal } from "./InviteUserModal";
import { useUpdateUser, useUserAction, useUserDirectory, useUsers, type UserAction } from "./queries";

// The row's actions stay at the right edge while the table scrolls under them.
const ACTIONS_CELL = { position: "sticky", right: 0, background: "var(--mantine-color-body)" } as const;
const ACTIONS_HEADER = { ...ACTIONS_CELL, background: "var(--mantine-color-gray-0)" } as const;

const TABS: { value: UserStatus; label: string; empty: string }[] = [
  { value: "active", label: "Active", empty: "No active users" },
  { value: "invited", label: "Pending", empty: "No pending invitations" },
  { value: "inactive", label: "Inactive", empty: "No deactivated users" },
];

interface ActionSpec {
  action: UserAction;
  label: string;
  title: string;
  question: (user: User) => string;
  confirm: string;
  done: (user: User) => string;
  danger?: boolean;
}

const ACTIONS: Record<UserAction, ActionSpec> = {
  deactivate: {
    action: "deactivate",
    label: "Deactivate",
    title: "Deactivate this user?",
    question: (u) =>
      `${u.full_name} will be signed out everywhere and will not be able to sign in, and the API keys they made stop working. Their data stays.`,
    confirm: "Deactivate",
    done: (u) => `${u.full_name} was deactivated.`,
    danger: true,
  },
  reactivate: {
    action: "reactivate",
    label: "Reactivate",
    title: "Reactivate this user?",
    question: (u) => `${u.full_name} will be able to sign in again with their role.`,
    confirm: "Reactivate",
    done: (u) => `${u.full_name} can sign in again.`,
  },
  "resend-invitation": {
    action: "resend-invitation",
    label: "Resend invitation",
    title: "Resend the invitation?",
    question: (u) => `${u.email} will get a new invitation email. Earlier links stop working.`,
    confirm: "Resend",
    done: (u) => `A new invitation was sent to ${u.email}.`,
  },
  "reset-password": {
    action: "reset-password",
    label: "Reset password",
    title: "Reset this user's password?",
    question: (u) => `${u.email} will get an email with a link to choose a new password.`,
    confirm: "Send reset link",
    done: (u) => `A password reset link was sent to ${u.email}.`,
  },
  "reset-mfa": {
    action: "reset-mfa",
    label: "Reset two-factor",
    title: "Reset two-factor authentication?",
    question: (u) =>
      `${u.full_name}'s authenticator and recovery codes stop working. They will sign in with their password only, and set up two-factor again.`,
    confirm: "Reset two-factor",
    done: (u) => `Two-factor authentication was reset for ${u.full_name}.`,
    danger: true,
  },
};

function actionsFor(user: User, isMe: boolean): UserAction[] {
  if (user.status === "invited") return ["resend-invitation", "deactivate"];
  if (user.status === "inactive") return ["reactivate"];
  const list: UserAction[] = ["reset-password"];
  // One's own two-factor is turned off on the profile page, with password and code (the API refuses it here).
  if (user.mfa_enabled && !isMe) list.push("reset-mfa");
  if (!isMe) list.push("deactivate");
  return list;
}

const ACTION_ICONS: Record<UserAction, typeof IconKey> = {
  deactivate: IconUserOff,
  reactivate: IconUserCheck,
  "resend-invitation": IconMailForward,
  "reset-password": IconKey,
  "reset-mfa": IconShieldOff,
};

function ChangeRoleModal({ user, roles, onClose }: { user: User | null; roles: Role[]; onClose: () => void }) {
  const update = useUpdateUser();
  const [roleId, setRoleId] = useState<string | null>(null);
  const value = roleId ?? user?.role_id ?? null;

  const save = () => {
    if (!user || !value) return;
    update.mutate(
      { userId: user.id, body: { role_id: value } },
      {
        onSuccess: (saved) => {
          notifications.show({
            color: "tenure",
            title: "Role changed",
            message: `${saved.full_name} is now ${roles.find((r) => r.id === saved.role_id)?.name ?? "updated"}.`,
          });
          setRoleId(null);
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened={Boolean(user)} onClose={() => { setRoleId(null); update.reset(); onClose(); }} title="Change role" centered>
      <Stack>
        <Text size="sm">
          Choose what <b>{user?.full_name}</b> can see and do.
        </Text>
        <Select
          label="Role"
          data={roles.map((role) => ({ value: role.id, label: role.name }))}
          value={value}
          onChange={setRoleId}
          allowDeselect={false}
          error={update.isError ? errorMessage(update.error) : undefined}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={save} loading={update.isPending} disabled={!value || value === user?.role_id}>
            Save role
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Whose team a user is on: any other active user of the organisation, or nobody. */
function ChangeManagerModal({ user, directory, onClose }: { user: User | null; directory: User[]; onClose: () => void }) {
  const update = useUpdateUser();
  // undefined: untouched (the user's current manager); null: cleared.
  const [managerId, setManagerId] = useState<string | null | undefined>(undefined);
  const current = user?.manager_id ?? null;
  const value = managerId === undefined ? current : managerId;
  const candidates = directory
    .filter((other) => other.status === "active" && other.id !== user?.id)
    .map((other) => ({ value: other.id, label: `${other.full_name} (${other.email})` }));
  // A current manager who is not active (deactivated, or still invited) shows too, so the select says who it is.
  const formerManager = directory.find((other) => other.id === current && other.status !== "active");
  const data = formerManager
    ? [
        ...candidates,
        {
          value: formerManager.id,
          label: `${formerManager.full_name} (${formerManager.status === "invited" ? "invitation pending" : "deactivated"})`,
        },
      ]
    : candidates;

  const close = () => {
    setManagerId(undefined);
    update.reset();
    onClose();
  };

  const save = () => {
    if (!user) return;
    update.mutate(
      { userId: user.id, body: { manager_id: value } },
      {
        onSuccess: (saved) => {
          const manager = directory.find((other) => other.id === saved.manager_id);
          notifications.show({
            color: "tenure",
            title: "Manager changed",
            message: manager ? `${saved.full_name} is now on ${manager.full_name}'s team.` : `${saved.full_name} has no manager.`,
          });
          close();
        },
      },
    );
  };

  return (
    <Modal opened={Boolean(user)} onClose={close} title="Set manager" centered>
      <Stack>
        <Text size="sm">
          Whose team <b>{user?.full_name}</b> is on: their manager sees their tasks in the team view and is assigned
          playbook steps meant for the CSM&apos;s manager.
        </Text>
        <Select
          label="Manager"
          placeholder="No manager"
          data-testid="user-manager-select"
          data={data}
          value={value}
          onChange={(next) => {
            setManagerId(next);
            update.reset();
          }}
          searchable
          clearable
          nothingFoundMessage="No active user matches"
          error={update.isError ? errorMessage(update.error) : undefined}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button onClick={save} loading={update.isPending} disabled={value === current}>
            Save manager
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((p) => p[0]!.toUpperCase()).join("");
}

export function UsersPage() {
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.value === params.get("status"))?.value ?? "active") as UserStatus;
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 300);
  const users = useUsers({ status: tab, q });
  const roles = useRoles();
  const me = useMe();
  const [inviteOpened, inviteModal] = useDisclosure(false);
  const [roleUser, setRoleUser] = useState<User | null>(null);
  const [managerUser, setManagerUser] = useState<User | null>(null);
  const directory = useUserDirectory(true);
  const [pending, setPending] = useState<{ user: User; spec: ActionSpec } | null>(null);
  const mutation = useUserAction(pending?.spec.action ?? "deactivate");
  const roleName = new Map((roles.data ?? []).map((role) => [role.id, role.name]));

  const setTab = (value: string | null) => {
    const next = new URLSearchParams(params);
    if (!value || value === "active") next.delete("status");
    else next.set("status", value);
    setParams(next, { replace: true });
  };

  const runPending = () => {
    if (!pending) return;
    const { user, spec } = pending;
    mutation.mutate(user.id, {
      onSuccess: () => {
        notifications.show({ color: "tenure", title: spec.label, message: spec.done(user) });
        setPending(null);
      },
      onError: (error) => notifications.show({ color: "red", title: `Could not ${spec.label.toLowerCase()}`, message: errorMessage(error) }),
    });
  };

  const columns =
    tab === "invited" ? ["Name", "Role", "Manager", "Invited", ""] : ["Name", "Role", "Manager", "Two-factor", "Last sign-in", ""];
  const currentTab = TABS.find((t) => t.value === tab)!;

  let content;
  if (users.isError) {
    content = (
      <Box p="md">
        <ErrorState error={users.error} onRetry={() => void users.refetch()} title="Could not load users" />
      </Box>
    );
  } else if (users.data && users.data.length === 0) {
    content = (
      <EmptyState
        title={q ? "No users match" : currentTab.empty}
        description={q ? `Nobody matches “${q}”.` : tab === "invited" ? "Invite a teammate and they'll appear here until they join." : undefined}
      />
    );
  } else {
    content = (
      <Table.ScrollContainer minWidth={840}>
        <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="users-table">
          <Table.Thead bg="gray.0">
            <Table.Tr>
              {columns.map((c) => (
                <Table.Th key={c} style={c === "" ? ACTIONS_HEADER : undefined}>
                  {c}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.isPending ? (
              <TableSkeletonRows columns={columns.length} rows={5} />
            ) : (
              users.data!.map((user) => {
                const isMe = user.id === me.data?.id;
                return (
                  <Table.Tr key={user.id} data-testid="user-row">
                    <Table.Td>
                      <Group gap="sm" wrap="nowrap">
                        <Avatar radius="xl" size={34} color="tenure">
                          {initials(user.full_name)}
                        </Avatar>
                        <Stack gap={0}>
                          <Text size="sm" fw={600}>
                            {user.full_name} {isMe && <Badge size="xs" variant="light" ml={4}>You</Badge>}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {user.email}
                          </Text>
                        </Stack>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{roleName.get(user.role_id) ?? "—"}</Text>
                    </Table.Td>
                    <Table.Td data-testid="user-manager">
                      <Text size="sm">{(user.manager_id && directory.byId.get(user.manager_id)?.full_name) ?? "—"}</Text>
                    </Table.Td>
                    {tab === "invited" ? (
                      <Table.Td>
                        <Text size="sm">{formatDateTime(user.invited_at)}</Text>
                      </Table.Td>
                    ) : (
                      <>
                        <Table.Td>
                          {user.mfa_enabled ? (
                            <Badge color="tenure" variant="light">On</Badge>
                          ) : (
                            <Badge color="gray" variant="light">Off</Badge>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{user.last_login_at ? formatDateTime(user.last_login_at) : "Never"}</Text>
                        </Table.Td>
                      </>
                    )}
                    {/* Kept in view when a narrow window scrolls the table sideways. */}
                    <Table.Td ta="right" w={60} style={ACTIONS_CELL}>
                      <Menu position="bottom-end" withinPortal shadow="md" width={220}>
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${user.full_name}`}>
                            <IconDots size={18} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          {user.status !== "inactive" && (
                            <Menu.Item leftSection={<IconUserCog size={16} />} onClick={() => setRoleUser(user)}>
                              Change role
                            </Menu.Item>
                          )}
                          {user.status !== "inactive" && (
                            <Menu.Item leftSection={<IconUsersGroup size={16} />} onClick={() => setManagerUser(user)}>
                              Set manager
                            </Menu.Item>
                          )}
                          {actionsFor(user, isMe).map((action) => {
                            const spec = ACTIONS[action];
                            const Icon = ACTION_ICONS[action];
                            return (
                              <Menu.Item
                                key={action}
                                color={spec.danger ? "red" : undefined}
                                leftSection={<Icon size={16} />}
                                onClick={() => setPending({ user, spec })}
                              >
                                {spec.label}
                              </Menu.Item>
                            );
                          })}
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                );
              })
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  }

  return (
    <>
      <PageHeader
        title="Users"
        description="Who can sign in to your organisation, and with which role."
        actions={
          <Button leftSection={<IconUserPlus size={16} />} onClick={inviteModal.open} disabled={!roles.data}>
            Invite user
          </Button>
        }
      />
      <Card withBorder radius="lg" p={0}>
        <Tabs value={tab} onChange={setTab}>
          <Group justify="space-between" px="md" pt="sm" wrap="wrap" gap="sm">
            <Tabs.List style={{ borderBottom: 0 }}>
              {TABS.map((t) => (
                <Tabs.Tab key={t.value} value={t.value}>
                  {t.label}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            <TextInput
              placeholder="Search by name or email"
              aria-label="Search users"
              leftSection={<IconSearch size={16} />}
              value={search}
              onChange={(event) => setSearch(event.currentTarget.value)}
              w={{ base: "100%", sm: 280 }}
              mb="sm"
            />
          </Group>
        </Tabs>
        <Box style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}>{content}</Box>
      </Card>

      <InviteUserModal opened={inviteOpened} onClose={inviteModal.close} roles={roles.data ?? []} />
      <ChangeRoleModal user={roleUser} roles={roles.data ?? []} onClose={() => setRoleUser(null)} />
      <ChangeManagerModal user={managerUser} directory={directory.data ?? []} onClose={() => setManagerUser(null)} />
      <ConfirmModal
        opened={Boolean(pending)}
        onClose={() => setPending(null)}
        title={pending?.spec.title ?? ""}
        confirmLabel={pending?.spec.confirm ?? ""}
        danger={pending?.spec.danger}
        loading={mutation.isPending}
        onConfirm={runPending}
      >
        {pending ? pending.spec.question(pending.user) : ""}
      </ConfirmModal>
    </>
  );
}
