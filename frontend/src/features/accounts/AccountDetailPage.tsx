import { Anchor, Breadcrumbs, Button, Card, Menu, Tabs, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconChevronDown,
  IconEdit,
  IconMoodSmile,
  IconPlayerPlay,
  IconTrash,
  IconUserOff,
} from "@tabler/icons-react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { errorMessage, isApiError } from "../../api/errors";
import { ConfirmModal } from "../../components/ConfirmModal";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { AccountAlertsTab } from "../alerts/AccountAlertsTab";
import { useCan } from "../auth/queries";
import { ContactsTab } from "../contacts/ContactsTab";
import { HealthTab } from "../health/HealthTab";
import { AccountMetricsCard } from "../metrics/AccountMetricsCard";
import { AccountTasksCard } from "../tasks/AccountTasksCard";
import { FinancialsTab } from "../revenue/FinancialsTab";
import { useStages, useTiers } from "../settings/queries";
import { UsageTab } from "../usage/UsageTab";
import { useUserDirectory } from "../users/queries";
import { ChurnModal, PostStatusModal, RecordNpsModal } from "./AccountActionModals";
import { AccountFormModal } from "./AccountFormModal";
import { AccountHeader } from "./AccountHeader";
import { HistoryTab } from "./HistoryTab";
import { InteractionsTab } from "./InteractionsTab";
import { NotesTab } from "./NotesTab";
import { OverviewTab } from "./OverviewTab";
import { TicketsTab } from "./TicketsTab";
import { TimelineTab } from "./TimelineTab";
import { useCsmNames } from "./csms";
import { useAccount, useChildAccounts, useDeleteAccount, useReactivateAccount } from "./queries";
import { ROLLUP_TABS, RollupSwitch } from "./rollup";

const TABS = ["overview", "alerts", "health", "timeline", "notes", "interactions", "tickets", "financials", "usage", "contacts", "history"] as const;
type Tab = (typeof TABS)[number];

export function AccountDetailPage() {
  const { accountId = "" } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get("tab") ?? "") ? (params.get("tab") as Tab) : "overview";
  const can = useCan();
  const account = useAccount(accountId);
  const children = useChildAccounts(accountId);
  const rollup = params.get("rollup") === "1";
  const csmNames = useCsmNames();
  const tiers = useTiers();
  const stages = useStages();
  const directory = useUserDirectory(true);
  const [editOpened, editModal] = useDisclosure(false);
  const [deleteOpened, deleteModal] = useDisclosure(false);
  const [statusOpened, statusModal] = useDisclosure(false);
  const [npsOpened, npsModal] = useDisclosure(false);
  const [churnOpened, churnModal] = useDisclosure(false);
  const [reactivateOpened, reactivateModal] = useDisclosure(false);
  const remove = useDeleteAccount();
  const reactivate = useReactivateAccount(accountId);

  const userName = (id: string | null | undefined) => (id ? (directory.byId.get(id)?.full_name ?? null) : null);

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

  // The API reads no deleted account (404, as above): a deleted one is restored from the list's "Show deleted".
  const data = account.data;
  const churned = Boolean(data.churned_on);
  const canUpdate = can("update_accounts");

  const onDelete = () =>
    remove.mutate(data.id, {
      onSuccess: () => {
        deleteModal.close();
        notifications.show({ color: "tenure", title: "Account deleted", message: data.name });
        navigate("/accounts");
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not delete the account", message: errorMessage(error) }),
    });

  const onReactivate = () =>
    reactivate.mutate(undefined, {
      onSuccess: () => {
        reactivateModal.close();
        notifications.show({ color: "tenure", title: "Account reactivated", message: data.name });
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not reactivate the account", message: errorMessage(error) }),
    });

  const actions = (
    <>
      {canUpdate && (
        <Button variant="default" leftSection={<IconEdit size={16} />} onClick={editModal.open}>
          Edit
        </Button>
      )}
      {canUpdate && (
        <Menu position="bottom-end" shadow="md">
          <Menu.Target>
            <Button variant="default" rightSection={<IconChevronDown size={14} />}>
              More
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item leftSection={<IconMoodSmile size={16} />} onClick={npsModal.open}>
              Record NPS
            </Menu.Item>
            {churned ? (
              <Menu.Item leftSection={<IconPlayerPlay size={16} />} onClick={reactivateModal.open}>
                Reactivate
              </Menu.Item>
            ) : (
              <Menu.Item color="red" leftSection={<IconUserOff size={16} />} onClick={churnModal.open}>
                Mark churned
              </Menu.Item>
            )}
          </Menu.Dropdown>
        </Menu>
      )}
      {can("delete_accounts") && (
        <Button color="red" variant="light" leftSection={<IconTrash size={16} />} onClick={deleteModal.open}>
          Delete
        </Button>
      )}
    </>
  );

  return (
    <>
      <AccountHeader
        before={breadcrumbs}
        account={data}
        tierName={(tiers.data ?? []).find((t) => t.id === data.tier_id)?.name ?? (data.tier_id ? "…" : null)}
        stageName={(stages.data ?? []).find((s) => s.id === data.stage_id)?.name ?? (data.stage_id ? "…" : null)}
        csmNames={csmNames(data.csm_ids)}
        statusAuthor={userName(data.status_author_id)}
        actions={actions}
        onPostStatus={canUpdate ? statusModal.open : undefined}
      />

      <Tabs
        value={tab}
        onChange={(value) => {
          const next = new URLSearchParams(params);
          if (!value || value === "overview") next.delete("tab");
          else next.set("tab", value);
          setParams(next, { replace: true });
        }}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="alerts">Alerts</Tabs.Tab>
          <Tabs.Tab value="health">Health</Tabs.Tab>
          <Tabs.Tab value="timeline">Timeline</Tabs.Tab>
          <Tabs.Tab value="notes">Notes</Tabs.Tab>
          <Tabs.Tab value="interactions">Interactions</Tabs.Tab>
          <Tabs.Tab value="tickets">Tickets</Tabs.Tab>
          <Tabs.Tab value="financials">Financials</Tabs.Tab>
          <Tabs.Tab value="usage">Usage</Tabs.Tab>
          <Tabs.Tab value="contacts">Contacts</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        {Boolean(children.data?.length) && ROLLUP_TABS.includes(tab) && (
          <RollupSwitch
            description={tab === "financials" ? "Add up the revenue of every account below this one" : undefined}
            checked={rollup}
            onChange={(checked) => {
              const next = new URLSearchParams(params);
              if (checked) next.set("rollup", "1");
              else next.delete("rollup");
              setParams(next, { replace: true });
            }}
          />
        )}
        <Tabs.Panel value="overview">
          <OverviewTab account={data} />
          <AccountMetricsCard accountId={data.id} />
          <AccountTasksCard accountId={data.id} />
        </Tabs.Panel>
        <Tabs.Panel value="alerts">
          <AccountAlertsTab accountId={data.id} />
        </Tabs.Panel>
        <Tabs.Panel value="health">
          <HealthTab accountId={data.id} />
        </Tabs.Panel>
        <Tabs.Panel value="timeline">
          <TimelineTab accountId={data.id} userName={userName} rollup={rollup} />
        </Tabs.Panel>
        <Tabs.Panel value="notes">
          <NotesTab accountId={data.id} userName={userName} canWrite={canUpdate} rollup={rollup} />
        </Tabs.Panel>
        <Tabs.Panel value="interactions">
          <InteractionsTab accountId={data.id} userName={userName} canWrite={canUpdate} rollup={rollup} />
        </Tabs.Panel>
        <Tabs.Panel value="tickets">
          <TicketsTab accountId={data.id} canWrite={canUpdate} rollup={rollup} />
        </Tabs.Panel>
        <Tabs.Panel value="financials">
          <FinancialsTab accountId={data.id} rollup={rollup} />
        </Tabs.Panel>
        <Tabs.Panel value="usage">
          <UsageTab accountId={data.id} rollup={rollup} />
        </Tabs.Panel>
        <Tabs.Panel value="contacts">
          <ContactsTab accountId={data.id} />
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <HistoryTab accountId={data.id} userName={userName} />
        </Tabs.Panel>
      </Tabs>

      <AccountFormModal opened={editOpened} onClose={editModal.close} account={data} />
      <PostStatusModal account={data} opened={statusOpened} onClose={statusModal.close} />
      <RecordNpsModal account={data} opened={npsOpened} onClose={npsModal.close} />
      <ChurnModal account={data} opened={churnOpened} onClose={churnModal.close} />
      <ConfirmModal
        opened={reactivateOpened}
        onClose={reactivateModal.close}
        title="Reactivate this account?"
        confirmLabel="Reactivate"
        loading={reactivate.isPending}
        onConfirm={onReactivate}
      >
        {`“${data.name}” returns to the active book. It counts as a reactivation, not new business.`}
      </ConfirmModal>
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
