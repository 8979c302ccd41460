import { Box, Center, Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Logo } from "../../components/Logo";

/** The frame of the signed-out pages: brand on top, one focused card. */
export function AuthLayout({
  title,
  subtitle,
  children,
  footer,
  width = 420,
}: {
  width?: number;
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <Box
      mih="100vh"
      style={{
        background:
          "radial-gradient(1200px 600px at 10% -10%, var(--mantine-color-tenure-0), transparent 60%), radial-gradient(900px 500px at 110% 110%, var(--mantine-color-blue-0), transparent 60%), var(--mantine-color-gray-0)",
      }}
    >
      <Center mih="100vh" p="md">
        <Stack w="100%" maw={width} gap="lg">
          <Center>
            <Logo size="lg" />
          </Center>
          <Paper withBorder shadow="sm" radius="lg" p={32}>
            <Stack gap={4} mb="lg">
              <Title order={2} fz={24}>
                {title}
              </Title>
              {subtitle && (
                <Text c="dimmed" size="sm">
                  {subtitle}
                </Text>
              )}
            </Stack>
            {children}
          </Paper>
          {footer && (
            <Text component="div" ta="center" size="sm" c="dimmed">
              {footer}
            </Text>
          )}
        </Stack>
      </Center>
    </Box>
  );
}
