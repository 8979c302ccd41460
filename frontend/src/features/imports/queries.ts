import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { AccountImport } from "../../api/types";
import { accountKeys } from "../accounts/queries";
import { isFinished } from "./mapping";

export const importKeys = {
  list: ["listAccountImports"] as const,
  template: ["getAccountImportTemplate"] as const,
  detail: (importId: string) => ["getAccountImport", { import_id: importId }] as const,
};

/** The template's header row: every field an import can map, custom fields included. */
export function useImportTemplate() {
  return useQuery({
    queryKey: importKeys.template,
    queryFn: async ({ signal }) => {
      const text = await unwrap(api.GET("/api/v1/account-imports/template", { parseAs: "text", signal }));
      const first = String(text ?? "").replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
      return first.split(",").map((cell) => cell.trim()).filter(Boolean);
    },
    staleTime: 60_000,
  });
}

export function useAccountImports() {
  return useQuery({
    queryKey: importKeys.list,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/account-imports", { signal })),
  });
}

/** One import, polled every 500 ms until it has finished. */
export function useAccountImport(importId: string | null) {
  const queryClient = useQueryClient();
  return useQuery({
    enabled: Boolean(importId),
    queryKey: importKeys.detail(importId ?? ""),
    queryFn: async ({ signal }) => {
      const result = await unwrap(
        api.GET("/api/v1/account-imports/{import_id}", { params: { path: { import_id: importId! } }, signal }),
      );
      if (isFinished(result.status)) {
        void queryClient.invalidateQueries({ queryKey: importKeys.list });
        if (!result.dry_run) {
          void queryClient.invalidateQueries({ queryKey: accountKeys.lists });
          void queryClient.invalidateQueries({ queryKey: accountKeys.queries });
        }
      }
      return result;
    },
    refetchInterval: (query) => {
      const data = query.state.data as AccountImport | undefined;
      return data && isFinished(data.status) ? false : 500;
    },
  });
}

export interface StartImport {
  file: File;
  /** JSON object of CSV column -> field key. */
  mapping: string;
  dryRun: boolean;
}

export function useStartImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ file, mapping, dryRun }: StartImport) =>
      unwrap(
        api.POST("/api/v1/account-imports", {
          body: { file: file.name, mapping, dry_run: dryRun },
          bodySerializer: () => {
            const form = new FormData();
            form.append("file", file, file.name);
            form.append("mapping", mapping);
            form.append("dry_run", String(dryRun));
            return form;
          },
        }),
      ),
    onSuccess: (result) => {
      queryClient.setQueryData(importKeys.detail(result.id), result);
      void queryClient.invalidateQueries({ queryKey: importKeys.list });
    },
  });
}
