import { Button } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { EmptyState } from "../../components/states";
import type { ListState } from "./listState";

/** Why one who sees only the accounts they are a CSM of, without a CSM seat, sees none. */
export const NO_SEAT = "You see only the accounts you are a CSM of, and you have no CSM seat: ask an admin for one, or to let you view all accounts.";

/** Why the list has no accounts (filters, a search, the segment, no CSM seat, or none at all) and the way out. */
export function AccountsEmptyState({
  state,
  onClearFilter,
  onClearSearch,
  onNewAccount,
  noSeat = false,
}: {
  state: ListState;
  onClearFilter: () => void;
  onClearSearch: () => void;
  /** Absent when the user may not add accounts. */
  onNewAccount?: () => void;
  /** The user sees only the accounts they are a CSM of, and has no CSM seat to be one. */
  noSeat?: boolean;
}) {
  if (state.filter && !state.deleted) {
    return (
      <EmptyState
        title="No accounts match these filters"
        description="Change or remove a condition to see more accounts."
        action={
          <Button variant="default" onClick={onClearFilter}>
            Clear filters
          </Button>
        }
      />
    );
  }
  if (state.q) {
    return (
      <EmptyState
        title="No accounts match"
        description={`Nothing matches “${state.q}”. Try another name, domain or external ID.`}
        action={
          <Button variant="default" onClick={onClearSearch}>
            Clear search
          </Button>
        }
      />
    );
  }
  if (state.deleted) {
    return <EmptyState title="No deleted accounts" description="Accounts you delete appear here, so you can restore them." />;
  }
  if (noSeat) {
    return <EmptyState title="No accounts to show you" description={NO_SEAT} />;
  }
  if (state.segment === "churned") {
    return <EmptyState title="No churned accounts" description="Accounts marked as churned appear here." />;
  }
  return (
    <EmptyState
      title="No accounts yet"
      description="Accounts are your customers. Add one here, or push them in through the API or a CRM connector."
      action={
        onNewAccount && (
          <Button leftSection={<IconPlus size={16} />} onClick={onNewAccount}>
            New account
          </Button>
        )
      }
    />
  );
}
