from enum import StrEnum


class Permission(StrEnum):
    """What a role allows. Checked in one place: api/deps.py `require()`."""

    CSM_SEAT = "csm_seat"
    VIEW_ALL_ACCOUNTS = "view_all_accounts"
    UPDATE_ACCOUNTS = "update_accounts"
    CONFIGURE_PRODUCT = "configure_product"
    CONFIGURE_CONNECTORS = "configure_connectors"
    MANAGE_EMAIL = "manage_email"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATION = "manage_organisation"
    DELETE_ACCOUNTS = "delete_accounts"
    INGEST_DATA = "ingest_data"
