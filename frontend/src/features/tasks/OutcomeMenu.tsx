import { ActionIcon, Menu, Tooltip } from "@mantine/core";
import { IconCircleCheck } from "@tabler/icons-react";
import { OUTCOMES, type TaskOutcome } from "./tasks";

/** "Close" for an alert task: the outcome is chosen as it closes. */
export function OutcomeMenu({ onClose, label = "Close with outcome" }: { onClose: (outcome: TaskOutcome) => void; label?: string }) {
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={label}>
          <ActionIcon variant="subtle" aria-label={label}>
            <IconCircleCheck size={16} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Outcome</Menu.Label>
        {OUTCOMES.map((o) => (
          <Menu.Item key={o.value} onClick={() => onClose(o.value)}>
            {o.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
