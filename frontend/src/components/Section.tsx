import { Card, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";

/** A titled card, one of the blocks of a record's page. */
export function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Card withBorder radius="lg" p="lg" data-testid={testId}>
      <Title order={5} mb="md">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** One labelled value in a section's grid. */
export function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
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
