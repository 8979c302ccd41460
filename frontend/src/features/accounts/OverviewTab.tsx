import { Anchor, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import type { Account } from "../../api/types";
import { formatDate, formatDateTime, plural } from "../../components/format";
import { Field, Section } from "../../components/Section";
import { CardSkeleton, ErrorState } from "../../components/states";
import { useOrganisation } from "../organisation/queries";
import { useCustomFields } from "../settings/queries";
import { formatFieldValue } from "./fieldFormat";
import { FieldText } from "./FieldText";
import { useAccount, useChildAccounts } from "./queries";

/** The account's identifiers and dates, its custom fields and the accounts below it. */
export function OverviewTab({ account }: { account: Account }) {
  const customFields = useCustomFields();
  const organisation = useOrganisation();
  const children = useChildAccounts(account.id);
  const parent = useAccount(account.parent_id ?? "", Boolean(account.parent_id));
  const values = (account.custom_values ?? {}) as Record<string, unknown>;

  return (
    <Stack>
      <Section title="Details">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xl" verticalSpacing="lg">
          <Field label="External ID" testId="account-external-id">
            <Text span ff="monospace" size="sm">
              {account.external_id}
            </Text>
          </Field>
          <Field label="CRM ID">{account.crm_id ?? "—"}</Field>
          <Field label="Billing ID">{account.billing_id ?? "—"}</Field>
          <Field label="Support ID">{account.support_id ?? "—"}</Field>
          <Field label="Domain">{account.domain ?? "—"}</Field>
          <Field label="Joined on">{formatDate(account.joined_on)}</Field>
          <Field label="Parent account" testId="account-parent">
            {account.parent_id ? (
              <Anchor component={Link} to={`/accounts/${account.parent_id}`} size="sm">
                {parent.data?.name ?? "Parent account"}
              </Anchor>
            ) : (
              "—"
            )}
          </Field>
          {account.churned_on && <Field label="Churn reason">{account.churn_reason ?? "—"}</Field>}
          <Field label="Created">{formatDateTime(account.created_at)}</Field>
          <Field label="Last updated">{formatDateTime(account.updated_at)}</Field>
        </SimpleGrid>
      </Section>

      <Section title="Custom fields">
        {customFields.isPending ? (
          <CardSkeleton lines={2} />
        ) : customFields.isError ? (
          <ErrorState error={customFields.error} onRetry={() => void customFields.refetch()} title="Could not load custom fields" />
        ) : customFields.data.length === 0 ? (
          <Text size="sm" c="dimmed">
            Your organisation has no custom fields yet.
          </Text>
        ) : (
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xl" verticalSpacing="lg" data-testid="custom-fields">
            {customFields.data.map((field) => {
              const text = formatFieldValue(values[field.key], field.type, field.format, organisation.data?.base_currency);
              return (
                <Field key={field.id} label={field.label} testId={`custom-${field.key}`}>
                  {text === null ? "—" : <FieldText text={text} format={field.format} />}
                </Field>
              );
            })}
          </SimpleGrid>
        )}
      </Section>

      <Section title="Child accounts">
        {children.isPending ? (
          <CardSkeleton lines={2} />
        ) : children.isError ? (
          <ErrorState error={children.error} onRetry={() => void children.refetch()} title="Could not load child accounts" />
        ) : children.data.length === 0 ? (
          <Text size="sm" c="dimmed">
            No accounts belong to this one.
          </Text>
        ) : (
          <Stack gap="xs" data-testid="child-accounts">
            {children.data.map((child) => (
              <Group key={child.account.id} justify="space-between">
                <Anchor component={Link} to={`/accounts/${child.account.id}`} size="sm" fw={600}>
                  {child.account.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {child.descendants ? plural(child.descendants, "descendant") : "no descendants"}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </Section>
    </Stack>
  );
}
