import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { FirstOrganisation } from "../../api/types";
import { useLogin } from "./queries";

export const setupKey = ["getSetupStatus"] as const;

/** Whether this Tenure still needs its first organisation (asked once per page load). */
export function useSetupStatus() {
  return useQuery({
    queryKey: setupKey,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/setup", { signal })),
    staleTime: Infinity,
  });
}

/** Create the first organisation, then sign its admin in with the same email and password. */
export function useCreateFirstOrganisation() {
  const login = useLogin();
  return useMutation({
    mutationFn: async (body: FirstOrganisation) => {
      await unwrap(api.POST("/api/v1/setup", { body }));
      return login.mutateAsync({ email: body.admin_email, password: body.admin_password });
    },
  });
}
