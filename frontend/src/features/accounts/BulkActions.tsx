import { Anchor, Button, Group, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconEdit } from "@tabler/icons-react";
import { plural } from "../../components/format";
import type { SelectedAccounts } from "./accountList";
import type { ListSelection } from "./bulk";
import { BulkEditModal } from "./BulkEditModal";

/** What can be done to the ticked accounts: a bar saying how many (with "all that match" when a whole
 * page is ticked) and the bulk edit. */
export function BulkActions({
  selection,
  total,
  list,
}: {
  selection: SelectedAccounts;
  /** How many accounts match the list. */
  total: number;
  list: ListSelection;
}) {
  const [bulkOpened, bulkModal] = useDisclosure(false);
  return (
    <>
      {selection.count > 0 && (
        <Group px="md" pb="sm" gap="sm" data-testid="selection-bar">
          <Text size="sm" fw={600} data-testid="selection-count">
            {selection.allMatching
              ? `All ${plural(total, "matching account")} selected`
              : `${plural(selection.selected.length, "account")} selected`}
          </Text>
          {!selection.allMatching && selection.pageAllSelected && total > selection.selected.length && (
            <Anchor component="button" size="sm" onClick={selection.selectAllMatching} data-testid="select-all-matching">
              Select all {total.toLocaleString()} matching
            </Anchor>
          )}
          <Button size="xs" leftSection={<IconEdit size={14} />} onClick={bulkModal.open} data-testid="bulk-edit">
            Bulk edit
          </Button>
          <Anchor component="button" size="sm" c="dimmed" onClick={selection.clear}>
            Clear selection
          </Anchor>
        </Group>
      )}
      <BulkEditModal
        opened={bulkOpened}
        onClose={bulkModal.close}
        ids={selection.selected}
        allMatching={selection.allMatching}
        count={selection.count}
        list={list}
        onDone={selection.clear}
      />
    </>
  );
}
