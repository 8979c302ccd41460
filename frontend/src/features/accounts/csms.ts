import { useMe } from "../auth/queries";
import { useRoles } from "../roles/queries";
import { useUserDirectory } from "../users/queries";

/** Names for CSM ids (every signed-in user may read the team list). */
export function useCsmNames() {
  const me = useMe();
  const directory = useUserDirectory(true);
  return (ids: string[]): string[] =>
    ids
      .map((id) => {
        if (id === me.data?.id) return me.data.full_name;
        return directory.byId.get(id)?.full_name ?? "";
      })
      .filter(Boolean);
}

/** Users who may be assigned accounts (active, their role has a CSM seat: not one still invited),
 * for CSM pickers and filters. */
export function useCsmOptions(enabled: boolean, selected: string[] = []) {
  const directory = useUserDirectory(enabled);
  const roles = useRoles({ enabled });
  const seatRoles = new Set((roles.data ?? []).filter((role) => role.permissions.includes("csm_seat")).map((role) => role.id));
  const options = (directory.data ?? [])
    .filter((user) => selected.includes(user.id) || (user.status === "active" && seatRoles.has(user.role_id)))
    .map((user) => ({ value: user.id, label: user.full_name }));
  return { available: directory.isSuccess && roles.isSuccess, options };
}
