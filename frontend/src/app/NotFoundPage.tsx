import { Button, Center, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <Center py={80}>
      <Stack align="center" gap="xs" ta="center">
        <Text fw={700} fz={48} c="dimmed">
          404
        </Text>
        <Title order={3}>Page not found</Title>
        <Text c="dimmed" size="sm">
          The page you asked for does not exist or has moved.
        </Text>
        <Button component={Link} to="/" mt="sm" variant="light">
          Go to the start page
        </Button>
      </Stack>
    </Center>
  );
}
