import { Anchor, Switch } from "@mantine/core";
import { Link } from "react-router";

/** The tabs that can roll up the account's children (SPEC: usage, financials, and communications on request). */
export const ROLLUP_TABS: readonly string[] = ["timeline", "notes", "interactions", "tickets", "financials", "usage"];

/** "Include child accounts": the hierarchy rollup of a parent's timeline, notes, interactions,
 * tickets, revenue and usage. */
export function RollupSwitch({
  checked,
  onChange,
  description = "Also show what happened on every account below this one",
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  description?: string;
}) {
  return (
    <Switch
      label="Include child accounts"
      description={description}
      checked={checked}
      onChange={(event) => onChange(event.currentTarget.checked)}
      mb="md"
      data-testid="rollup-switch"
    />
  );
}

/** On an item that a rollup brought in from a child account: that account, as a link. */
export function FromChildAccount({
  accountId,
  item,
}: {
  accountId: string;
  item: { account_id: string; account_name: string };
}) {
  if (item.account_id === accountId) return null;
  return (
    <Anchor component={Link} to={`/accounts/${item.account_id}`} size="xs" fw={600} data-testid="from-child-account">
      {item.account_name}
    </Anchor>
  );
}
