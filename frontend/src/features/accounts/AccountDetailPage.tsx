import { Alert, Anchor, Badge, Breadcrumbs, Button, Card, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconArrowBackUp, IconEdit, IconExternalLink, IconTrash } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { errorMessage, isApiError } from "../../api/errors";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { formatDate, formatDateTime } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { useCan } from "../auth/queries";
import { AccountFormModal } from "./AccountFormModal";
import { useCsmNames } from "./csms";
import { useAccount, useDeleteAccount, useRestoreAccount } from "./queries";

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed" lts={0.4}>
        {label}
      </Text>
      <Text size="sm" component="div" data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}

export function AccountDetailPage() {
  const { accountId = "" } = useParams();
  const navigate = useNavigate();
  const can = useCan();
  const account = useAccount(accountId);
  const csmNames = useCsmNames();
  const [editOpened, editModal] = useDisclosure(false);
  const [deleteOpened, deleteModal] = useDisclosure(false);
  const remove = useDeleteAccount();
  const restore = useRestoreAccount();

  const breadcrumbs = (
    <Breadcrumbs mb="xs">
      <Anchor component={Link} to="/accounts" size="sm">
        Accounts
      </Anchor>
      <Text size="sm" c="dimmed">
        {account.data?.name ?? "…"}
      </Text>
    </Breadcrumbs>
  );

  if (account.isPending) {
    return (
      <>
        {breadcrumbs}
        <Card withBorder radius="lg" p="xl">
          <CardSkeleton lines={6} />
        </Card>
      </>
    );
  }

  if (account.isError) {
    return (
      <>
        {breadcrumbs}
        {isApiError(account.error) && account.error.status === 404 ? (
          <EmptyState
            title="Account not found"
            description="It may have been deleted, or you may not be assigned to it."
            action={
              <Button component={Link} to="/accounts" variant="default">
                Back to accounts
              </Button>
            }
          />
        ) : (
          <ErrorState error={account.error} onRetry={() => void account.refetch()} title="Could not load this account" />
        )}
      </>
    );
  }

  const data = account.data;
  const deleted = Boolean(data.deleted_at);
  const names = csmNames(data.csm_ids);

  const onDelete = () =>
    remove.mutate(data.id, {
      onSuccess: () => {
        deleteModal.close();
        notifications.show({ color: "tenure", title: "Account deleted", message: data.name });
        navigate("/accounts");
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the account", message: errorMessage(error) }),
    });

  const onRestore = () =>
    restore.mutate(data.id, {
      onSuccess: () => notifications.show({ color: "tenure", title: "Account restored", message: data.name }),
      onError: (error) => notifications.show({ color: "red", title: "Could not restore the account", message: errorMessage(error) }),
    });

  return (
    <>
      <PageHeader
        before={breadcrumbs}
        title={
          <Group gap="sm">
            <span data-testid="account-title">{data.name}</span>
            {deleted && (
              <Badge color="red" variant="light">
                Deleted
              </Badge>
            )}
          </Group>
        }
        description={
          data.domain ? (
            <Anchor href={`https://${data.domain}`} target="_blank" rel="noreferrer" size="sm">
              <Group gap={4} component="span">
                {data.domain} <IconExternalLink size={12} />
              </Group>
            </Anchor>
          ) : undefined
        }
        actions={
          <>
            {can("update_accounts") && !deleted && (
              <Button variant="default" leftSection={<IconEdit size={16} />} onClick={editModal.open}>
                Edit
              </Button>
            )}
            {can("delete_accounts") &&
              (deleted ? (
                <Button leftSection={<IconArrowBackUp size={16} />} onClick={onRestore} loading={restore.isPending}>
                  Restore
                </Button>
              ) : (
                <Button color="red" variant="light" leftSection={<IconTrash size={16} />} onClick={deleteModal.open}>
                  Delete
                </Button>
              ))}
          </>
        }
      />

      {deleted && (
        <Alert color="red" variant="light" mb="md">
          This account was deleted on {formatDateTime(data.deleted_at)}. It is hidden from lists and reports until
          restored.
        </Alert>
      )}

      <Card withBorder radius="lg" p="xl">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xl" verticalSpacing="lg">
          <Field label="External ID" testId="account-external-id">
            <Text span ff="monospace" size="sm">
              {data.external_id}
            </Text>
          </Field>
          <Field label="Domain">{data.domain ?? "—"}</Field>
          <Field label="CSMs">
            {data.csm_ids.length === 0 ? "Unassigned" : names.length ? names.join(", ") : `${data.csm_ids.length} assigned`}
          </Field>
          <Field label="Joined on">{formatDate(data.joined_on)}</Field>
          <Field label="Renewal on">{formatDate(data.renewal_on)}</Field>
          <Field label="Created">{formatDateTime(data.created_at)}</Field>
          <Field label="Last updated">{formatDateTime(data.updated_at)}</Field>
        </SimpleGrid>
      </Card>

      <AccountFormModal opened={editOpened} onClose={editModal.close} account={data} />
      <ConfirmModal
        opened={deleteOpened}
        onClose={deleteModal.close}
        title="Delete this account?"
        confirmLabel="Delete account"
        danger
        loading={remove.isPending}
        onConfirm={onDelete}
      >
        {`“${data.name}” will be hidden from lists and reports. An admin can restore it later from “Show deleted”.`}
      </ConfirmModal>
    </>
  );
}
