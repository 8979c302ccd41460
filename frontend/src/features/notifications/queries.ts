import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { NotificationPreferencesRead } from "./notifications";

// The bell asks again this often (and when the window regains focus).
export const UNREAD_REFRESH_MS = 30_000;
const PANEL_SIZE = 20;

const all = ["notifications"] as const;
export const notificationKeys = {
  unread: [...all, "countUnreadNotifications"] as const,
  list: [...all, "listNotifications"] as const,
  preferences: ["getNotificationPreferences"] as const,
};

export function useUnreadCount() {
  return useQuery({
    queryKey: notificationKeys.unread,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/notifications/unread-count", { signal })),
    refetchInterval: UNREAD_REFRESH_MS,
  });
}

/** The newest notifications, unread first, while the panel is open. */
export function useNotifications(open: boolean) {
  return useQuery({
    enabled: open,
    queryKey: notificationKeys.list,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/notifications", { params: { query: { limit: PANEL_SIZE } }, signal })),
    placeholderData: keepPreviousData,
  });
}

function useNotificationMutation<T, R>(fn: (arg: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void client.invalidateQueries({ queryKey: all }),
  });
}

export const useMarkRead = () =>
  useNotificationMutation((id: string) =>
    unwrap(api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: id } } })),
  );

export const useMarkAllRead = () => useNotificationMutation(() => unwrap(api.POST("/api/v1/notifications/read-all")));

export function useNotificationPreferences() {
  return useQuery({
    queryKey: notificationKeys.preferences,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/me/notification-preferences", { signal })),
  });
}

export function useSaveNotificationPreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NotificationPreferencesRead) => unwrap(api.PUT("/api/v1/me/notification-preferences", { body })),
    onSuccess: (saved) => client.setQueryData(notificationKeys.preferences, saved),
  });
}
