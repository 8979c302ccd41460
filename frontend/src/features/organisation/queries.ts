import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { OrganisationUpdate } from "../../api/types";
import { meKey } from "../auth/queries";

export const organisationKey = ["getOrganisation"] as const;

export function useOrganisation() {
  return useQuery({
    queryKey: organisationKey,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/organisation", { signal })),
  });
}

export function useUpdateOrganisation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: OrganisationUpdate) => unwrap(api.PATCH("/api/v1/organisation", { body })),
    onSuccess: (organisation) => {
      queryClient.setQueryData(organisationKey, organisation);
      // The header shows the organisation's name, and requiring 2FA may concern the admin too.
      void queryClient.invalidateQueries({ queryKey: meKey });
    },
  });
}
