import { Accordion, Anchor, Badge, Card, Group, Stack, Text, Title } from "@mantine/core";
import { CopyableCode } from "./CopyableCode";
import { BATCH_EXAMPLES, curlCommand, LIST_ACCOUNTS_EXAMPLE, PLACEHOLDER_KEY, type CurlExample } from "./integration";

function ScopeBadge({ scope }: { scope: CurlExample["scope"] }) {
  return (
    <Badge size="sm" variant="light" color={scope === "full" ? "grape" : "blue"} tt="none">
      {scope} key
    </Badge>
  );
}

function Example({ example, origin }: { example: CurlExample; origin: string }) {
  return (
    <Stack gap={6} data-testid="curl-example">
      <Text size="sm" c="dimmed">
        {example.description}
      </Text>
      <CopyableCode block value={curlCommand(origin, example.spec)} label={`Copy the “${example.title}” command`} />
    </Stack>
  );
}

export function ExampleCalls() {
  const origin = window.location.origin;
  return (
    <Card withBorder radius="lg" p="md">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={4}>Example calls</Title>
          <Text size="sm" c="dimmed">
            Replace <code>{PLACEHOLDER_KEY}</code> with a key from above. Every call made with a key shows up in that key's API
            log.
          </Text>
        </Stack>
        <Stack gap={6}>
          <Group gap="xs">
            <Text size="sm" fw={600}>
              {LIST_ACCOUNTS_EXAMPLE.title}
            </Text>
            <ScopeBadge scope={LIST_ACCOUNTS_EXAMPLE.scope} />
          </Group>
          <Example example={LIST_ACCOUNTS_EXAMPLE} origin={origin} />
        </Stack>
        <Text size="sm">
          Batch endpoints send many records in one call (contacts, usage events, Segment, subscriptions, invoices and FX rates)
          with an <b>ingest</b> key. Each call answers which records it accepted and why it rejected the others, by position.
          Every field is described in the{" "}
          <Anchor href="/api/docs" target="_blank" rel="noreferrer">
            API reference
          </Anchor>{" "}
          (<code>{origin}/api/docs</code>).
        </Text>
        {BATCH_EXAMPLES.length > 0 && (
          <Accordion variant="separated" radius="md" multiple keepMounted={false}>
            {BATCH_EXAMPLES.map((example) => (
              <Accordion.Item key={example.spec.path} value={example.spec.path}>
                <Accordion.Control>
                  <Group gap="xs">
                    <Text size="sm" fw={600}>
                      {example.title}
                    </Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {example.spec.method} {example.spec.path}
                    </Text>
                    <ScopeBadge scope={example.scope} />
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <Example example={example} origin={origin} />
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        )}
      </Stack>
    </Card>
  );
}
