import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { RoleCreate, RoleUpdate } from "../../api/types";
import { meKey } from "../auth/queries";

export const roleKeys = {
  list: ["listRoles"] as const,
  permissions: ["listPermissions"] as const,
};

export function useRoles(options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: roleKeys.list,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/roles", { signal })),
    enabled: options.enabled ?? true,
  });
}

export function usePermissions() {
  return useQuery({
    queryKey: roleKeys.permissions,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/roles/permissions", { signal })),
    staleTime: Infinity,
  });
}

function useInvalidateRoles() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: roleKeys.list });
    // The signed-in user's own role may be the one that changed.
    void queryClient.invalidateQueries({ queryKey: meKey });
  };
}

export function useCreateRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: (body: RoleCreate) => unwrap(api.POST("/api/v1/roles", { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: ({ roleId, body }: { roleId: string; body: RoleUpdate }) =>
      unwrap(api.PATCH("/api/v1/roles/{role_id}", { params: { path: { role_id: roleId } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeleteRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: (roleId: string) =>
      unwrap(api.DELETE("/api/v1/roles/{role_id}", { params: { path: { role_id: roleId } } })),
    onSuccess: invalidate,
  });
}
