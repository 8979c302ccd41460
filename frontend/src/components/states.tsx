import { Alert, Button, Center, Group, Loader, Skeleton, Stack, Table, Text, ThemeIcon, Title } from "@mantine/core";
import { IconAlertTriangle, IconInbox, IconRefresh } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { errorMessage } from "../api/errors";

export function FullPageLoader({ label = "Loading" }: { label?: string }) {
  return (
    <Center h="100vh" data-testid="page-loader">
      <Stack align="center" gap="xs">
        <Loader type="dots" />
        <Text size="sm" c="dimmed">
          {label}…
        </Text>
      </Stack>
    </Center>
  );
}

/** A failed load, with the server's explanation and a way to try again. */
export function ErrorState({
  error,
  onRetry,
  title = "Could not load this page",
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <Alert
      color="red"
      variant="light"
      title={title}
      icon={<IconAlertTriangle size={20} />}
      data-testid="error-state"
      role="alert"
    >
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && (
          <Button
            size="xs"
            variant="white"
            color="red"
            leftSection={<IconRefresh size={14} />}
            onClick={onRetry}
          >
            Retry
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function EmptyState({
  title,
  description,
  action,
  icon,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <Center py={56} data-testid="empty-state">
      <Stack align="center" gap="xs" maw={420} ta="center">
        <ThemeIcon size={56} radius="xl" variant="light" color="gray">
          {icon ?? <IconInbox size={28} />}
        </ThemeIcon>
        <Title order={4} mt="xs">
          {title}
        </Title>
        {description && (
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        )}
        {action && <Group mt="sm">{action}</Group>}
      </Stack>
    </Center>
  );
}

/** Placeholder rows shaped like the table they stand in for. */
export function TableSkeletonRows({ rows = 8, columns }: { rows?: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <Table.Tr key={r} data-testid="skeleton-row">
          {Array.from({ length: columns }, (_, c) => (
            <Table.Td key={c}>
              <Skeleton height={14} width={c === 0 ? "70%" : "55%"} radius="sm" />
            </Table.Td>
          ))}
        </Table.Tr>
      ))}
    </>
  );
}

export function CardSkeleton({ lines = 4 }: { lines?: number }) {
  return (
    <Stack gap="sm" data-testid="card-skeleton">
      <Skeleton height={22} width="40%" />
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} height={14} width={`${85 - i * 10}%`} />
      ))}
    </Stack>
  );
}
