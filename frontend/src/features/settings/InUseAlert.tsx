import { Alert, Anchor, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { errorMessage, isApiError } from "../../api/errors";
import { EVERYONES_VIEWS_PATH } from "../accounts/EveryonesViewsCard";

/**
 * Why a custom field or computed metric was not deleted: the API's 409 names what uses it (account
 * views with whose they are, personal ones of other users too). When views are among them, a link to
 * every user's views, where they can be changed or deleted.
 */
export function InUseAlert({ error, onFindViews }: { error: Error; onFindViews?: () => void }) {
  const namesViews = isApiError(error) && error.status === 409 && error.detail.includes("account view");
  return (
    <Alert color="red" title="Cannot delete it yet" data-testid="in-use-error">
      <Stack gap={6} align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {namesViews && (
          <Anchor component={Link} to={EVERYONES_VIEWS_PATH} size="sm" onClick={onFindViews}>
            Find these views among every user's views
          </Anchor>
        )}
      </Stack>
    </Alert>
  );
}
