import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title, Tooltip } from "@mantine/core";
import { IconExternalLink, IconMessage2 } from "@tabler/icons-react";
import type { ReactNode } from "react";
import type { Account } from "../../api/types";
import { formatDate, formatDateTime, formatNps } from "../../components/format";
import { BAND_COLOURS, BAND_LABELS } from "../health/bands";
import { useAccountHealth } from "../health/queries";

/** The account's health score in its band's colour ("—" before its first score). */
function HealthScore({ accountId }: { accountId: string }) {
  const health = useAccountHealth(accountId);
  const { score, band } = health.data ?? {};
  if (score == null || !band) return <>—</>;
  return (
    // Whole, never "58 · Avera…": a badge's label may be cut to an ellipsis in a narrow column.
    <Badge
      size="md"
      color={BAND_COLOURS[band]}
      variant="light"
      tt="none"
      style={{ flexShrink: 0, overflow: "visible" }}
      styles={{ label: { overflow: "visible" } }}
      data-testid="account-health-score"
    >
      {score} · {BAND_LABELS[band]}
    </Badge>
  );
}

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed" lts={0.4}>
        {label}
      </Text>
      <Text size="sm" fw={600} component="div" data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}

/** The top of an account's page: who it is, who looks after it and how it is doing. */
export function AccountHeader({
  account,
  tierName,
  stageName,
  csmNames,
  statusAuthor,
  actions,
  before,
  onPostStatus,
}: {
  account: Account;
  tierName: string | null;
  stageName: string | null;
  csmNames: string[];
  statusAuthor?: string | null;
  actions?: ReactNode;
  before?: ReactNode;
  onPostStatus?: () => void;
}) {
  const churned = Boolean(account.churned_on);
  const csms =
    account.csm_ids.length === 0
      ? "Unassigned"
      : csmNames.length
        ? csmNames.join(", ")
        : `${account.csm_ids.length} assigned`;

  return (
    <Stack gap="md" mb="lg" data-testid="account-header">
      {before}
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={2} data-testid="account-title">
              {account.name}
            </Title>
            {churned && (
              <Tooltip label={account.churn_reason ?? "Churned"}>
                <Badge color="red" variant="light" data-testid="churned-badge">
                  Churned {formatDate(account.churned_on)}
                </Badge>
              </Tooltip>
            )}
          </Group>
          {account.domain && (
            <Anchor href={`https://${account.domain}`} target="_blank" rel="noreferrer" size="sm">
              <Group gap={4} component="span">
                {account.domain} <IconExternalLink size={12} />
              </Group>
            </Anchor>
          )}
        </Stack>
        {actions && <Group gap="sm">{actions}</Group>}
      </Group>

      <Card withBorder radius="lg" p="lg">
        {/* Seven in a row only from 1200 pixels: narrower, a column could not hold the health badge. */}
        <SimpleGrid cols={{ base: 2, sm: 4, lg: 7 }} spacing="lg" verticalSpacing="md">
          <Stat label="CSMs" testId="account-csms">
            {csms}
          </Stat>
          <Stat label="Tier" testId="account-tier">
            {tierName ?? "—"}
          </Stat>
          <Stat label="Stage" testId="account-stage">
            {stageName ?? "—"}
          </Stat>
          <Stat label="Health" testId="account-health">
            <HealthScore accountId={account.id} />
          </Stat>
          <Stat label="CSM score" testId="account-csm-score">
            {account.csm_score ?? "—"}
          </Stat>
          <Stat label="NPS" testId="account-nps">
            {formatNps(account.nps)}
          </Stat>
          <Stat label="Renewal" testId="account-renewal">
            {formatDate(account.renewal_on)}
          </Stat>
        </SimpleGrid>
        <Group
          justify="space-between"
          align="flex-start"
          mt="md"
          pt="md"
          wrap="nowrap"
          style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}
        >
          <Stack gap={2} style={{ flex: 1, minWidth: 0 }} data-testid="account-status">
            <Text size="xs" tt="uppercase" fw={700} c="dimmed" lts={0.4}>
              Latest status
            </Text>
            {account.status_title ? (
              <>
                <Text size="sm" fw={600} data-testid="account-status-title">
                  {account.status_title}
                </Text>
                {account.status_details && (
                  <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap" }}>
                    {account.status_details}
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {formatDateTime(account.status_at)}
                  {statusAuthor ? ` · ${statusAuthor}` : ""}
                </Text>
              </>
            ) : (
              <Text size="sm" c="dimmed">
                No status posted yet.
              </Text>
            )}
          </Stack>
          {onPostStatus && (
            // Whole however narrow the window: the status beside it wraps instead ("Post stat" was cut).
            <Button size="xs" variant="light" leftSection={<IconMessage2 size={14} />} onClick={onPostStatus} style={{ flexShrink: 0 }}>
              Post status
            </Button>
          )}
        </Group>
      </Card>
    </Stack>
  );
}
