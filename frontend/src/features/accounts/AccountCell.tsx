import { Anchor, Badge, Group, Text, Tooltip } from "@mantine/core";
import type { MouseEvent } from "react";
import { Link } from "react-router";
import type { AccountListItem } from "../../api/types";
import { formatDate, plural, todayIn } from "../../components/format";
import { useMe } from "../auth/queries";
import { BAND_COLOURS, BAND_LABELS } from "../health/bands";
import type { Band } from "../health/queries";
import { useOrganisation } from "../organisation/queries";
import { useStages, useTiers } from "../settings/queries";
import { columnValue, formatCell, type CellNames, type Column } from "./columns";
import { useCsmNames } from "./csms";
import { FieldText } from "./FieldText";

// One line a row: a long name widens its column (the table scrolls) rather than wrapping or being cut.
const NO_WRAP = { whiteSpace: "nowrap" as const };

/** Test ids and widths of the cells the journeys and the layout rely on. */
export function cellProps(column: Column) {
  if (column.key === "tier") return { "data-testid": "account-tier", style: NO_WRAP };
  if (column.key === "stage") return { "data-testid": "account-stage", style: NO_WRAP };
  if (column.key === "csm") return { "data-testid": "cell-csm", style: NO_WRAP };
  return { "data-testid": `cell-${column.key}`, style: NO_WRAP };
}

/** The names a row's cells show for its tier, stage and CSMs ("You" for the signed-in user). */
export function useCellNames(): CellNames {
  const me = useMe();
  const csmNames = useCsmNames();
  const tiers = useTiers();
  const stages = useStages();
  const organisation = useOrganisation();
  const tierNames = new Map((tiers.data ?? []).map((t) => [t.id, t.name]));
  const stageNames = new Map((stages.data ?? []).map((t) => [t.id, t.name]));
  return {
    tier: (id: string) => tierNames.get(id),
    stage: (id: string) => stageNames.get(id),
    users: (ids: string[]) => csmNames(ids).map((name) => (name === me.data?.full_name ? "You" : name)),
    currency: organisation.data?.base_currency,
    today: todayIn(organisation.data?.time_zone),
  };
}

// A badge's label may be cut to an ellipsis, so the table, squeezing its columns to fit, counted
// it as no width at all and let the next column's badge cover it ("overdu").
const WHOLE_BADGE = { style: { flexShrink: 0, overflow: "visible" }, styles: { label: { overflow: "visible" } } } as const;

function RenewalCell({ value, churned, today }: { value: string | null; churned: boolean; today?: Date }) {
  if (!value) return <Text size="sm" c="dimmed">—</Text>;
  // A churned account renews on no day: its last renewal date shows without a countdown.
  if (churned) return <Text size="sm" c="dimmed">{formatDate(value)}</Text>;
  const days = Math.round((new Date(`${value}T00:00:00`).getTime() - (today ?? todayIn()).getTime()) / 86_400_000);
  return (
    <Group gap={6} wrap="nowrap" style={{ whiteSpace: "nowrap" }}>
      <Text size="sm">{formatDate(value)}</Text>
      {days < 0 ? (
        <Badge size="xs" color="red" variant="light" tt="none" {...WHOLE_BADGE} data-testid="renewal-overdue">
          overdue
        </Badge>
      ) : days <= 30 ? (
        <Tooltip label={days === 0 ? "Renews today" : `Renews in ${plural(days, "day")}`}>
          <Badge size="xs" color="orange" variant="light" tt="none" {...WHOLE_BADGE} data-testid="renewal-soon">
            {days === 0 ? "today" : `in ${days}d`}
          </Badge>
        </Tooltip>
      ) : null}
    </Group>
  );
}

/** A tier or stage by its name ("…" until the names load). */
function NameCell({ id, nameOf }: { id: string | null; nameOf: (id: string) => string | undefined }) {
  return id ? <Text size="sm">{nameOf(id) ?? "…"}</Text> : <Text size="sm" c="dimmed">—</Text>;
}

function CsmCell({ ids, names }: { ids: string[]; names: CellNames }) {
  if (!ids.length) return <Text size="sm" c="dimmed">Unassigned</Text>;
  const known = names.users(ids);
  if (!known.length) return <Text size="sm" c="dimmed">{plural(ids.length, "CSM")}</Text>;
  const extra = ids.length - known.length;
  return (
    <Text size="sm">
      {known.join(", ")}
      {extra > 0 ? ` +${extra}` : ""}
    </Text>
  );
}

/** The health score with its band's colour, or the band alone. */
function HealthCell({ values, showScore }: { values: AccountListItem["health_values"]; showScore: boolean }) {
  const band = values?.band as Band | null | undefined;
  if (!band) return <Text size="sm" c="dimmed">—</Text>;
  return (
    <Badge size="sm" color={BAND_COLOURS[band]} variant="light" tt="none" data-testid="health-badge">
      {showScore ? String(values?.score) : BAND_LABELS[band]}
    </Badge>
  );
}

/** One account's value in one column of the list. */
export function AccountCell({ account, column, names }: { account: AccountListItem; column: Column; names: CellNames }) {
  switch (column.key) {
    case "name":
      // A deleted account has no page (the API answers 404 until it is restored): its name is not a link.
      if (account.deleted_at)
        return (
          <Text fw={600} size="sm" data-testid="account-name">
            {account.name}
          </Text>
        );
      return (
        <Anchor
          component={Link}
          to={`/accounts/${account.id}`}
          fw={600}
          size="sm"
          c="inherit"
          onClick={(event: MouseEvent) => event.stopPropagation()}
          data-testid="account-name"
        >
          {account.name}
        </Anchor>
      );
    case "external_id":
      return (
        <Text size="sm" ff="monospace" c="dimmed">
          {account.external_id}
        </Text>
      );
    case "tier":
      return <NameCell id={account.tier_id} nameOf={names.tier} />;
    case "stage":
      return <NameCell id={account.stage_id} nameOf={names.stage} />;
    case "csm":
      return <CsmCell ids={account.csm_ids} names={names} />;
    case "renewal_on":
      return <RenewalCell value={account.renewal_on} churned={account.churned_on != null} today={names.today} />;
    case "health.score":
    case "health.band":
      return <HealthCell values={account.health_values} showScore={column.key === "health.score"} />;
    case "churned_on":
      return account.churned_on ? (
        <Tooltip label={account.churn_reason ?? "Churned"}>
          <Badge size="sm" color="red" variant="light" tt="none">
            {formatDate(account.churned_on)}
          </Badge>
        </Tooltip>
      ) : (
        <Text size="sm" c="dimmed">—</Text>
      );
  }
  const text = formatCell(column, columnValue(account, column.key, names.today), names);
  return text === null ? (
    <Text size="sm" c="dimmed">—</Text>
  ) : (
    <Text size="sm" lineClamp={1}>
      <FieldText text={text} format={column.format} />
    </Text>
  );
}
