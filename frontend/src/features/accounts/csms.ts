import { useCan, useMe } from "../auth/queries";
import { useRoles } from "../roles/queries";
import { useUserDirectory } from "../users/queries";

/** Names for CSM ids, when the viewer may list users; otherwise only "You" can be named. */
export function useCsmNames() {
  const can = useCan();
  const me = useMe();
  const directory = useUserDirectory(can("manage_users"));
  return (ids: string[]): string[] =>
    ids.map((id) => {
      if (id === me.data?.id) return me.data.full_name;
      return directory.byId.get(id)?.full_name ?? "";
    }).filter(Boolean);
}

/** Users who may be assigned accounts (their role has a CSM seat), for the CSM picker. */
export function useCsmOptions(enabled: boolean, selected: string[] = []) {
  const can = useCan();
  const allowed = can("manage_users");
  const directory = useUserDirectory(enabled && allowed);
  const roles = useRoles({ enabled: enabled && allowed });
  const seatRoles = new Set((roles.data ?? []).filter((role) => role.permissions.includes("csm_seat")).map((role) => role.id));
  const options = (directory.data ?? [])
    .filter((user) => selected.includes(user.id) || (user.status !== "inactive" && seatRoles.has(user.role_id)))
    .map((user) => ({ value: user.id, label: user.full_name }));
  return { available: allowed && directory.isSuccess && roles.isSuccess, options };
}
