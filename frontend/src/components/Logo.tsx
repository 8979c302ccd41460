import { Group, Text, ThemeIcon } from "@mantine/core";
import { IconTimeline } from "@tabler/icons-react";

export function Logo({ size = "md" }: { size?: "md" | "lg" }) {
  const large = size === "lg";
  return (
    <Group gap={8} wrap="nowrap" aria-label="Tenure">
      <ThemeIcon size={large ? 40 : 30} radius="md" variant="gradient" gradient={{ from: "tenure.6", to: "tenure.9", deg: 135 }}>
        <IconTimeline size={large ? 24 : 18} stroke={2.2} />
      </ThemeIcon>
      <Text fw={750} fz={large ? 26 : 19} lts={-0.4}>
        Tenure
      </Text>
    </Group>
  );
}
