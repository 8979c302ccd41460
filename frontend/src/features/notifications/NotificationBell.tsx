import { ActionIcon, Button, Group, Indicator, Loader, Popover, ScrollArea, Stack, Text, UnstyledButton } from "@mantine/core";
import { IconBell } from "@tabler/icons-react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { formatAgo } from "../../components/format";
import { badgeLabel, notificationLink, type NotificationRead } from "./notifications";
import { useMarkAllRead, useMarkRead, useNotifications, useUnreadCount } from "./queries";

function Item({ notification, onOpen }: { notification: NotificationRead; onOpen: (n: NotificationRead) => void }) {
  const unread = notification.read_at === null;
  return (
    <UnstyledButton
      onClick={() => onOpen(notification)}
      p="sm"
      data-testid="notification-item"
      data-unread={unread}
      style={{
        borderRadius: "var(--mantine-radius-md)",
        background: unread ? "var(--mantine-color-tenure-0)" : undefined,
      }}
    >
      <Text size="sm" fw={unread ? 600 : 400} lineClamp={2}>
        {notification.title}
      </Text>
      <Text size="xs" c="dimmed" lineClamp={2}>
        {notification.body}
      </Text>
      <Text size="xs" c="dimmed">
        {formatAgo(notification.created_at)}
      </Text>
    </UnstyledButton>
  );
}

/** The top bar's bell: the unread count, and a panel of the newest notifications. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const unread = useUnreadCount();
  const list = useNotifications(open);
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const count = unread.data?.unread ?? 0;
  const label = badgeLabel(count);

  const openNotification = (n: NotificationRead) => {
    if (n.read_at === null) markRead.mutate(n.id);
    setOpen(false);
    void navigate(notificationLink(n));
  };

  return (
    <Popover opened={open} onChange={setOpen} position="bottom-end" width={360} shadow="md">
      <Popover.Target>
        <Indicator label={label} disabled={!label} size={18} color="red" offset={4} data-testid="notification-count">
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            aria-label={label ? `Notifications, ${count} unread` : "Notifications"}
            onClick={() => setOpen((o) => !o)}
            data-testid="notification-bell"
          >
            <IconBell size={20} />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p="xs" data-testid="notification-panel">
        <Group justify="space-between" px="xs" pb="xs">
          <Text fw={600} size="sm">
            Notifications
          </Text>
          <Button size="compact-xs" variant="subtle" disabled={count === 0} loading={markAll.isPending} onClick={() => markAll.mutate()}>
            Mark all read
          </Button>
        </Group>
        {list.isPending ? (
          <Group justify="center" p="md">
            <Loader size="sm" />
          </Group>
        ) : list.isError ? (
          <Text size="sm" c="red" p="sm">
            The notifications could not be loaded.
          </Text>
        ) : list.data.items.length === 0 ? (
          <Text size="sm" c="dimmed" p="sm">
            Nothing yet: tasks given to you, changes to them and alerts appear here.
          </Text>
        ) : (
          <ScrollArea.Autosize mah={420}>
            <Stack gap={2}>
              {list.data.items.map((n) => (
                <Item key={n.id} notification={n} onOpen={openNotification} />
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
