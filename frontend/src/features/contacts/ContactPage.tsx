import { Anchor, Badge, Breadcrumbs, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { isApiError } from "../../api/errors";
import { PageHeader } from "../../components/PageHeader";
import { Field, Section } from "../../components/Section";
import { formatDateTime } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { RankTrend } from "../metrics/RankTrend";
import { useContactActivityRank } from "../metrics/queries";
import { EventsTable } from "../usage/EventsTable";
import { contactName, traitEntries } from "./format";
import { useContact } from "./queries";

/** One person who uses a customer's product: who they are, their accounts and what they did last. */
export function ContactPage() {
  const { contactId = "" } = useParams();
  const contact = useContact(contactId);
  const rank = useContactActivityRank(contactId);

  const breadcrumbs = (
    <Breadcrumbs mb="xs">
      <Anchor component={Link} to="/accounts" size="sm">
        Accounts
      </Anchor>
      {contact.data?.accounts[0]?.account_id && (
        <Anchor component={Link} to={`/accounts/${contact.data.accounts[0].account_id}?tab=contacts`} size="sm">
          {contact.data.accounts[0].account_name ?? contact.data.accounts[0].account_external_id}
        </Anchor>
      )}
      <Text size="sm" c="dimmed">
        {contact.data ? contactName(contact.data) : "…"}
      </Text>
    </Breadcrumbs>
  );

  if (contact.isPending) {
    return (
      <>
        {breadcrumbs}
        <Card withBorder radius="lg" p="xl">
          <CardSkeleton lines={6} />
        </Card>
      </>
    );
  }

  if (contact.isError) {
    return (
      <>
        {breadcrumbs}
        {isApiError(contact.error) && contact.error.status === 404 ? (
          <EmptyState
            title="Contact not found"
            description="It may belong only to accounts you are not assigned to."
            action={
              <Button component={Link} to="/accounts" variant="default">
                Back to accounts
              </Button>
            }
          />
        ) : (
          <ErrorState error={contact.error} onRetry={() => void contact.refetch()} title="Could not load this contact" />
        )}
      </>
    );
  }

  const data = contact.data;
  const traits = traitEntries(data.traits ?? {});

  return (
    <>
      <PageHeader
        before={breadcrumbs}
        title={<span data-testid="contact-name">{contactName(data)}</span>}
        description={[data.title, data.email].filter(Boolean).join(" · ") || undefined}
      />
      <Stack>
        <Section title="Details">
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xl" verticalSpacing="lg">
            <Field label="Email" testId="contact-email">
              {data.email ? (
                <Anchor href={`mailto:${data.email}`} size="sm">
                  {data.email}
                </Anchor>
              ) : (
                "—"
              )}
            </Field>
            <Field label="Title">{data.title ?? "—"}</Field>
            <Field label="Role">{data.role ?? "—"}</Field>
            <Field label="External ID" testId="contact-external-id">
              <Text span ff="monospace" size="sm">
                {data.external_id}
              </Text>
            </Field>
            <Field label="Activity rank" testId="contact-activity-rank">
              {rank.data ? (
                <RankTrend rank={rank.data.activity_rank} trend={rank.data.trend} arrow={rank.data.trend_arrow} />
              ) : (
                "—"
              )}
            </Field>
            <Field label="First seen">{formatDateTime(data.first_seen_at)}</Field>
            <Field label="Last seen">{formatDateTime(data.last_seen_at)}</Field>
          </SimpleGrid>
        </Section>

        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Section title="Accounts" testId="contact-accounts">
            {data.accounts.length === 0 ? (
              <Text size="sm" c="dimmed">
                Not linked to an account you can see.
              </Text>
            ) : (
              <Stack gap="xs">
                {data.accounts.map((link) => (
                  <Group key={link.account_external_id} justify="space-between" wrap="nowrap">
                    {link.account_id ? (
                      <Anchor component={Link} to={`/accounts/${link.account_id}`} size="sm" fw={600}>
                        {link.account_name ?? link.account_external_id}
                      </Anchor>
                    ) : (
                      <Group gap="xs">
                        <Text size="sm">{link.account_external_id}</Text>
                        <Badge size="xs" variant="light" color="gray">
                          not in Tenure yet
                        </Badge>
                      </Group>
                    )}
                    <Text size="xs" c="dimmed" ff="monospace">
                      {link.account_external_id}
                    </Text>
                  </Group>
                ))}
              </Stack>
            )}
          </Section>
          <Section title="Traits" testId="contact-traits">
            {traits.length === 0 ? (
              <Text size="sm" c="dimmed">
                No traits sent for this contact.
              </Text>
            ) : (
              <Table verticalSpacing={4}>
                <Table.Tbody>
                  {traits.map(([key, value]) => (
                    <Table.Tr key={key}>
                      <Table.Td w="40%">
                        <Text size="sm" ff="monospace" c="dimmed">
                          {key}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" style={{ wordBreak: "break-word" }}>
                          {value}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Section>
        </SimpleGrid>

        <Card withBorder radius="lg" p={0} data-testid="contact-events">
          <Group p="md" justify="space-between">
            <Title order={5}>Newest events</Title>
          </Group>
          {data.recent_events.length === 0 ? (
            <EmptyState title="No events yet" description="Events your product sends for this person appear here." />
          ) : (
            <EventsTable events={data.recent_events} show="account" />
          )}
        </Card>
      </Stack>
    </>
  );
}
