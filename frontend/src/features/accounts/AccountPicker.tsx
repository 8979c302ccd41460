import { Select, type SelectProps } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { useAccount, useAccounts } from "./queries";

type PickerProps = Omit<SelectProps, "data" | "value" | "onChange" | "searchable" | "searchValue" | "onSearchChange" | "filter">;

/** A searchable picker over the accounts the user can see (server-side search by name). */
export function AccountPicker({
  value,
  onChange,
  exclude,
  enabled = true,
  ...props
}: PickerProps & {
  value: string | null;
  onChange: (id: string | null) => void;
  /** An account not to offer (an account cannot be its own parent). */
  exclude?: string;
  enabled?: boolean;
}) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 250);
  const results = useAccounts(
    { q: debounced.trim(), sort: "name", descending: false, limit: 20, offset: 0, deleted: false },
    enabled,
  );
  const current = useAccount(value ?? "", Boolean(value));
  const options = (results.data?.items ?? []).filter((a) => a.id !== exclude).map((a) => ({ value: a.id, label: a.name }));
  if (value && current.data && !options.some((o) => o.value === value)) {
    options.unshift({ value, label: current.data.name });
  }
  return (
    <Select
      {...props}
      data={options}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      value={value}
      onChange={onChange}
      nothingFoundMessage={results.isFetching ? "Searching…" : "No accounts found"}
      // The server has filtered already (by name, and only what the user may see).
      filter={({ options: found }) => found}
    />
  );
}
