from domain.common.errors import Conflict, DomainError, NotFound, RuleViolation
from domain.tenancy.errors import AccountNotFound as AccountNotFound


class ExternalIdTaken(Conflict):
    code = "external_id_taken"
    title = "Another account already has this external id"


class AccountReferenceTaken(Conflict):
    """An id of another system (or the external id) that already names another account: a
    ticket or subscription sent with it would find either."""

    code = "account_reference_taken"
    title = "Another account already has this id"


class NotACsm(Conflict):
    code = "not_a_csm"
    title = "Only active users with a CSM seat can be assigned accounts"


class AccountNotDeleted(Conflict):
    code = "account_not_deleted"
    title = "The account is not deleted"


class HierarchyCycle(Conflict):
    code = "hierarchy_cycle"
    title = "An account cannot be its own ancestor"


class ParentNotFound(Conflict):
    code = "parent_not_found"
    title = "The parent account does not exist"


class TierNotFound(NotFound):
    code = "tier_not_found"
    title = "Tier not found"


class StageNotFound(NotFound):
    code = "stage_not_found"
    title = "Lifecycle stage not found"


class UnknownTier(Conflict):
    """A write naming a tier the organisation does not have: the account it writes exists."""

    code = TierNotFound.code
    title = "The organisation has no such tier"


class UnknownStage(Conflict):
    """A write naming a lifecycle stage the organisation does not have."""

    code = StageNotFound.code
    title = "The organisation has no such lifecycle stage"


class ConfigNameTaken(Conflict):
    code = "name_taken"
    title = "That name is already used"


class ConfigItemInUse(Conflict):
    code = "config_item_in_use"
    title = "Accounts or attribute triggers still use it"


class FieldKeyTaken(Conflict):
    """A custom field's key that a metric or one of the account's own fields already has:
    filters, list columns and the metric catalog would name two things by it."""

    code = "field_key_taken"
    title = "A metric or one of the account's own fields already has this key"


class CustomFieldInUse(Conflict):
    code = "custom_field_in_use"
    title = "Views, rules, triggers, health models or computed metrics use the custom field"


class CustomFieldOptionInUse(Conflict):
    code = "custom_field_option_in_use"
    title = "Accounts or saved filters use an option the custom field would lose"


class CustomFieldNotFound(NotFound):
    code = "custom_field_not_found"
    title = "Custom field not found"


class InvalidCustomValue(RuleViolation):
    code = "invalid_custom_value"
    title = "A custom field value does not match its type"


class InvalidCustomFieldFormat(RuleViolation):
    code = "invalid_custom_field_format"
    title = "The custom field cannot be shown in that format"


class InvalidCustomFieldOptions(RuleViolation):
    code = "invalid_custom_field_options"
    title = "Only a category field has options"


class InvalidSort(RuleViolation):
    code = "invalid_sort"
    title = "The account list cannot be sorted that way"


class AlreadyChurned(Conflict):
    code = "already_churned"
    title = "The account is already churned"


class ChurnedInTheFuture(RuleViolation):
    code = "churned_in_the_future"
    title = "An account churns on a day that has come, not later"


class NotChurned(Conflict):
    code = "not_churned"
    title = "The account is not churned"


class ImportNotFound(NotFound):
    code = "import_not_found"
    title = "Import not found"


class InvalidImportFile(RuleViolation):
    code = "invalid_import_file"
    title = "The file is not a readable CSV"


class InvalidImportMapping(RuleViolation):
    code = "invalid_import_mapping"
    title = "The column mapping is invalid"


class AttributeTriggerNotFound(NotFound):
    code = "attribute_trigger_not_found"
    title = "Attribute trigger not found"


class AttributeTriggerNameTaken(Conflict):
    code = "attribute_trigger_name_taken"
    title = "Another attribute trigger has this name"


class InvalidTrigger(RuleViolation):
    code = "invalid_trigger"
    title = "The trigger is not valid"


class TriggerTargetNotFound(Conflict):
    code = "trigger_target_not_found"
    title = "The tier or lifecycle stage the trigger sets does not exist"


class AccountViewNotFound(NotFound):
    code = "account_view_not_found"
    title = "View not found"


class AccountViewNameTaken(Conflict):
    code = "account_view_name_taken"
    title = "Another view has this name"


class ImportTooLarge(DomainError):
    status = 413
    code = "import_too_large"
    title = "The import file is too large"


class TooManyAccounts(RuleViolation):
    code = "too_many_accounts"
    title = "Too many accounts for a bulk edit"


class AccountOutOfYourSight(RuleViolation):
    """A new account its creator could not see: one who sees only their own accounts left
    themself out of its CSMs."""

    code = "account_out_of_your_sight"
    title = "You would not see this account"
