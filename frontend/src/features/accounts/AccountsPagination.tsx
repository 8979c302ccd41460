import { Group, Pagination, Select, Text, Tooltip } from "@mantine/core";
import { PAGE_SIZES, type ListState } from "./listState";

/** Below the list: which accounts of how many are shown, rows per page, and the pages. */
export function AccountsPagination({
  state,
  total,
  pages,
  onChange,
}: {
  state: ListState;
  total: number;
  pages: number;
  onChange: (patch: Pick<ListState, "page"> | Pick<ListState, "page" | "size">) => void;
}) {
  const first = total === 0 ? 0 : (state.page - 1) * state.size + 1;
  const last = Math.min(state.page * state.size, total);
  return (
    <Group justify="space-between" p="md" gap="sm" wrap="wrap" style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}>
      <Group gap="sm">
        <Text size="sm" c="dimmed" data-testid="accounts-range">
          Showing {first.toLocaleString()}–{last.toLocaleString()} of {total.toLocaleString()}
        </Text>
        <Tooltip label="Rows per page">
          <Select
            aria-label="Rows per page"
            data={PAGE_SIZES.map((size) => ({ value: String(size), label: `${size} per page` }))}
            value={String(state.size)}
            onChange={(value) => value && onChange({ size: Number(value), page: 1 })}
            allowDeselect={false}
            w={130}
            size="xs"
            data-testid="page-size"
          />
        </Tooltip>
      </Group>
      <Pagination
        total={pages}
        value={Math.min(state.page, pages)}
        onChange={(page) => onChange({ page })}
        size="sm"
        withEdges
        getControlProps={(control) => ({ "aria-label": `${control} page` })}
        data-testid="accounts-pagination"
      />
    </Group>
  );
}
