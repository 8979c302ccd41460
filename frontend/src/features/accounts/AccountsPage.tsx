import { Box, Button, Card, Tooltip } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconDownload, IconPlus, IconUpload } from "@tabler/icons-react";
import { useEffect } from "react";
import { Link, useNavigate } from "react-router";
import { errorMessage } from "../../api/errors";
import type { AccountSort } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { plural } from "../../components/format";
import { ErrorState } from "../../components/states";
import { useCan, useMe } from "../auth/queries";
import { AccountFormModal } from "./AccountFormModal";
import { useAccountList, useListState, useSearchBox, useSelectedAccounts } from "./accountList";
import { AccountsEmptyState, NO_SEAT } from "./AccountsEmptyState";
import { AccountsPagination } from "./AccountsPagination";
import { AccountsTable } from "./AccountsTable";
import { AccountsToolbar } from "./AccountsToolbar";
import { BulkActions } from "./BulkActions";
import { useExportAccounts } from "./queries";
import { downloadText } from "../../components/download";

export function AccountsPage() {
  const { state, columnState, update } = useListState();
  const [search, setSearch] = useSearchBox(state, update);
  const list = useAccountList(state, columnState);
  const { columns, sort, query, total, pages, listSelection } = list;
  const navigate = useNavigate();
  const can = useCan();
  const me = useMe();
  const [createOpened, createModal] = useDisclosure(false);
  const exportCsv = useExportAccounts();
  const data = query.data;

  // A new search, filter or segment is a new set of accounts: start the selection again.
  const selectionScope = JSON.stringify([state.q, state.segment, state.filter, state.deleted]);
  const pageIds = (data?.items ?? []).map((account) => account.id);
  const selection = useSelectedAccounts(selectionScope, pageIds, total);

  // A page past the end (after deletes, or an edited URL): go to the last page instead.
  useEffect(() => {
    if (data && !query.isPlaceholderData && state.page > pages) update({ page: pages }, true);
  }, [data, pages]); // eslint-disable-line react-hooks/exhaustive-deps

  const onSort = (key: AccountSort) => {
    update({ sort: key, descending: sort === key ? !state.descending : false, page: 1 });
  };

  const onExport = () => {
    exportCsv.mutate(
      { selection: listSelection, columns: columns.map((column) => column.key), sort, descending: state.descending },
      {
        onSuccess: (text) => downloadText(text, "accounts.csv", "text/csv"),
        onError: (error) => notifications.show({ color: "red", title: "Could not export", message: errorMessage(error) }),
      },
    );
  };

  const canEdit = can("update_accounts");
  const selectable = canEdit && !state.deleted;
  // Who sees only the accounts they are a CSM of and has no CSM seat cannot be one: an account
  // they made would be out of their sight (the API refuses it, 422 account_out_of_your_sight).
  const noSeat = me.data !== undefined && !can("view_all_accounts") && !can("csm_seat");

  return (
    <>
      <PageHeader
        title="Accounts"
        description={
          data ? (
            <span data-testid="accounts-total">
              {plural(total, state.deleted ? "deleted account" : state.segment === "churned" ? "churned account" : "account")}
              {state.q ? " matching your search" : ""}
              {state.filter && !state.deleted ? (state.q ? " and filters" : " matching your filters") : ""}
            </span>
          ) : (
            "Your customers at a glance."
          )
        }
        actions={
          !state.deleted && (
            <>
              <Button
                variant="default"
                leftSection={<IconDownload size={16} />}
                onClick={onExport}
                loading={exportCsv.isPending}
                data-testid="export-csv"
              >
                Export CSV
              </Button>
              {canEdit && (
                <Button component={Link} to="/accounts/import" variant="default" leftSection={<IconUpload size={16} />}>
                  Import CSV
                </Button>
              )}
              {canEdit &&
                (noSeat ? (
                  <Tooltip label={NO_SEAT} multiline w={280} withArrow>
                    {/* A disabled button gets no pointer events: the wrapper shows the reason. */}
                    <span data-testid="new-account-disabled">
                      <Button leftSection={<IconPlus size={16} />} disabled>
                        New account
                      </Button>
                    </span>
                  </Tooltip>
                ) : (
                  <Button leftSection={<IconPlus size={16} />} onClick={createModal.open}>
                    New account
                  </Button>
                ))}
            </>
          )
        }
      />

      <Card withBorder radius="lg" p={0}>
        <AccountsToolbar
          state={state}
          columnState={columnState}
          update={update}
          search={search}
          onSearch={setSearch}
          searching={query.isFetching && !query.isPending}
          list={list}
          canDelete={can("delete_accounts")}
        />
        {selectable && <BulkActions selection={selection} total={total} list={listSelection} />}
        {query.isError ? (
          <Box p="md">
            <ErrorState error={query.error} onRetry={() => void query.refetch()} title="Could not load accounts" />
          </Box>
        ) : data && data.items.length === 0 && total === 0 ? (
          <AccountsEmptyState
            state={state}
            onClearFilter={() => update({ filter: null, page: 1 })}
            onClearSearch={() => setSearch("")}
            onNewAccount={canEdit && !noSeat ? createModal.open : undefined}
            noSeat={noSeat}
          />
        ) : (
          <AccountsTable
            accounts={data?.items}
            columns={columns}
            state={{ ...state, sort }}
            onSort={onSort}
            stale={query.isPlaceholderData}
            selection={selectable ? selection : undefined}
          />
        )}
        {data && total > 0 && <AccountsPagination state={state} total={total} pages={pages} onChange={(patch) => update(patch)} />}
      </Card>

      <AccountFormModal
        opened={createOpened}
        onClose={createModal.close}
        onSaved={(account) => navigate(`/accounts/${account.id}`)}
      />
    </>
  );
}
