import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconArrowDown, IconArrowUp, IconCheck, IconEdit, IconPlus, IconTrash, IconX } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { CustomField, CustomFieldFormat, CustomFieldType, Stage } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, ErrorState } from "../../components/states";
import { EveryonesViewsCard } from "../accounts/EveryonesViewsCard";
import { FORMAT_OPTIONS, defaultFormat, formatLabel } from "../accounts/fieldFormat";
import { InUseAlert } from "./InUseAlert";
import {
  useCreateCustomField,
  useCustomFields,
  useDeleteCustomField,
  useLadderMutations,
  useStages,
  useTiers,
  useUpdateCustomField,
  type Ladder,
} from "./queries";

const failed = (title: string) => (error: Error) => notifications.show({ color: "red", title, message: errorMessage(error) });

function LadderRow({
  item,
  index,
  count,
  ladder,
  onMove,
  onDelete,
}: {
  item: Stage;
  index: number;
  count: number;
  ladder: Ladder;
  onMove: (delta: -1 | 1) => void;
  onDelete: () => void;
}) {
  const { update } = useLadderMutations(ladder);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(item.name);
  const [error, setError] = useState<string | null>(null);

  const save = () => {
    if (!name.trim()) return setError("Enter a name");
    update.mutate(
      { id: item.id, body: { name: name.trim(), position: item.position } },
      {
        onSuccess: () => {
          setEditing(false);
          setError(null);
        },
        onError: (e) => setError(isApiError(e) ? (e.fieldErrorMap().name ?? errorMessage(e)) : errorMessage(e)),
      },
    );
  };

  return (
    <Table.Tr data-testid={`${ladder}-row`}>
      <Table.Td>
        {editing ? (
          <TextInput
            size="xs"
            aria-label="Name"
            value={name}
            error={error}
            onChange={(e) => setName(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") save();
              if (e.key === "Escape") setEditing(false);
            }}
            autoFocus
          />
        ) : (
          <Text size="sm" fw={600}>
            {item.name}
          </Text>
        )}
      </Table.Td>
      <Table.Td w={190}>
        <Group gap={2} justify="flex-end" wrap="nowrap">
          {editing ? (
            <>
              <ActionIcon variant="subtle" aria-label="Save name" onClick={save} loading={update.isPending}>
                <IconCheck size={16} />
              </ActionIcon>
              <ActionIcon variant="subtle" color="gray" aria-label="Cancel" onClick={() => setEditing(false)}>
                <IconX size={16} />
              </ActionIcon>
            </>
          ) : (
            <Tooltip label="Rename">
              <ActionIcon
                variant="subtle"
                color="gray"
                aria-label={`Rename ${item.name}`}
                onClick={() => {
                  setName(item.name);
                  setEditing(true);
                }}
              >
                <IconEdit size={16} />
              </ActionIcon>
            </Tooltip>
          )}
          <ActionIcon variant="subtle" color="gray" aria-label={`Move ${item.name} up`} disabled={index === 0} onClick={() => onMove(-1)}>
            <IconArrowUp size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="gray"
            aria-label={`Move ${item.name} down`}
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          >
            <IconArrowDown size={16} />
          </ActionIcon>
          <ActionIcon variant="subtle" color="red" aria-label={`Delete ${item.name}`} onClick={onDelete}>
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function LadderCard({ ladder, title, description }: { ladder: Ladder; title: string; description: string }) {
  const tiers = useTiers();
  const stages = useStages();
  const query = ladder === "tiers" ? tiers : stages;
  const { create, update, remove } = useLadderMutations(ladder);
  const [name, setName] = useState("");
  const [addError, setAddError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Stage | null>(null);
  const items = [...(query.data ?? [])].sort((a, b) => a.position - b.position);

  const add = () => {
    if (!name.trim()) return setAddError("Enter a name");
    const position = items.length ? Math.max(...items.map((i) => i.position)) + 1 : 0;
    create.mutate(
      { name: name.trim(), position },
      {
        onSuccess: () => {
          setName("");
          setAddError(null);
        },
        onError: (e) => setAddError(isApiError(e) ? (e.fieldErrorMap().name ?? errorMessage(e)) : errorMessage(e)),
      },
    );
  };

  const move = async (index: number, delta: -1 | 1) => {
    // Renumber the whole list in its new order: positions stay distinct whatever they were.
    const order = [...items];
    const [moved] = order.splice(index, 1);
    order.splice(index + delta, 0, moved!);
    try {
      for (const [position, item] of order.entries()) {
        if (item.position !== position) await update.mutateAsync({ id: item.id, body: { name: item.name, position } });
      }
    } catch (e) {
      failed("Could not reorder")(e as Error);
    }
  };

  return (
    <Card withBorder radius="lg" p="lg" data-testid={`${ladder}-card`}>
      <Title order={4}>{title}</Title>
      <Text size="sm" c="dimmed" mb="md">
        {description}
      </Text>
      {query.isPending ? (
        <CardSkeleton lines={3} />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} title={`Could not load ${title.toLowerCase()}`} />
      ) : (
        <>
          {items.length === 0 ? (
            <Text size="sm" c="dimmed" mb="sm">
              None yet.
            </Text>
          ) : (
            <Table verticalSpacing={6}>
              <Table.Tbody>
                {items.map((item, index) => (
                  <LadderRow
                    key={item.id}
                    item={item}
                    index={index}
                    count={items.length}
                    ladder={ladder}
                    onMove={(delta) => void move(index, delta)}
                    onDelete={() => setDeleting(item)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Group mt="md" align="flex-start" gap="xs">
            <TextInput
              placeholder={ladder === "tiers" ? "New tier" : "New stage"}
              aria-label={ladder === "tiers" ? "New tier name" : "New stage name"}
              value={name}
              error={addError}
              onChange={(e) => setName(e.currentTarget.value)}
              onKeyDown={(e) => e.key === "Enter" && add()}
              style={{ flex: 1 }}
            />
            <Button leftSection={<IconPlus size={16} />} onClick={add} loading={create.isPending}>
              Add
            </Button>
          </Group>
        </>
      )}
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
      >
        <Stack gap="sm">
          <Text size="sm">
            {ladder === "tiers"
              ? "Only a tier no account has and no attribute trigger sets can be deleted."
              : "Only a stage no account is in and no attribute trigger sets can be deleted; stage history keeps its name."}
          </Text>
          {remove.isError && (
            // Why it was refused (e.g. how many accounts and which triggers still use it).
            <Alert color="red" title="Cannot delete it yet" data-testid="ladder-delete-error">
              {errorMessage(remove.error)}
            </Alert>
          )}
        </Stack>
      </ConfirmModal>
    </Card>
  );
}

const FIELD_TYPES: { value: CustomFieldType; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "category", label: "Category" },
  { value: "number", label: "Number" },
  { value: "date", label: "Date" },
  { value: "boolean", label: "Yes / no" },
];

function CustomFieldModal({ opened, onClose, field }: { opened: boolean; onClose: () => void; field: CustomField | null }) {
  const create = useCreateCustomField();
  const update = useUpdateCustomField();
  const mutation = field ? update : create;
  const form = useForm({
    initialValues: {
      key: "",
      label: "",
      type: "text" as CustomFieldType,
      format: "text" as CustomFieldFormat,
      options: [] as string[],
    },
    validate: {
      key: (v) => (field || /^[a-z][a-z0-9_]{0,62}$/.test(v) ? null : "Lowercase letters, digits and _, starting with a letter"),
      label: (v) => (v.trim() ? null : "Enter a label"),
      options: (v, values) => (values.type === "category" && v.length === 0 ? "Add at least one option" : null),
    },
  });

  useEffect(() => {
    if (opened) {
      form.setValues(
        field
          ? { key: field.key, label: field.label, type: field.type, format: field.format, options: field.options }
          : { key: "", label: "", type: "text", format: defaultFormat("text"), options: [] },
      );
      form.clearErrors();
      create.reset();
      update.reset();
    }
  }, [opened, field?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit((values) => {
    const onError = (error: Error) => {
      if (!isApiError(error)) return;
      const map = error.fieldErrorMap();
      if (!Object.keys(map).length) {
        const at =
          error.code === "invalid_custom_field_format"
            ? "format"
            : error.code === "custom_field_option_in_use"
              ? "options"
              : error.status === 409
                ? "key"
                : "label";
        map[at] = error.detail || error.title;
      }
      form.setErrors(map);
    };
    const onSuccess = () => {
      notifications.show({ color: "tenure", title: field ? "Custom field updated" : "Custom field added", message: values.label });
      onClose();
    };
    const options = values.type === "category" ? values.options : [];
    if (field) {
      update.mutate(
        { id: field.id, body: { label: values.label.trim(), format: values.format, options: field.type === "category" ? options : null } },
        { onSuccess, onError },
      );
    } else {
      create.mutate({ key: values.key, label: values.label.trim(), type: values.type, format: values.format, options }, { onSuccess, onError });
    }
  });

  return (
    <Modal opened={opened} onClose={onClose} title={field ? "Edit custom field" : "New custom field"} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Key"
            description="Used by the API, CSV imports and filters; cannot change later"
            disabled={Boolean(field)}
            withAsterisk
            {...form.getInputProps("key")}
          />
          <TextInput label="Label" withAsterisk data-autofocus {...form.getInputProps("label")} />
          <Select
            label="Type"
            data={FIELD_TYPES}
            allowDeselect={false}
            disabled={Boolean(field)}
            {...form.getInputProps("type")}
            onChange={(value) => {
              if (!value) return;
              // A format belongs to a type: a new type starts from its default format.
              const type = value as CustomFieldType;
              form.setValues({ type, format: defaultFormat(type) });
            }}
          />
          <Select
            label="Format"
            description="How values are shown in the account list and on the account"
            data={FORMAT_OPTIONS[form.values.type]}
            allowDeselect={false}
            disabled={FORMAT_OPTIONS[form.values.type].length === 1}
            data-testid="custom-field-format"
            {...form.getInputProps("format")}
          />
          {form.values.type === "category" && (
            <TagsInput label="Options" description="Press Enter after each" {...form.getInputProps("options")} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {field ? "Save" : "Add field"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function CustomFieldsCard() {
  const fields = useCustomFields();
  const remove = useDeleteCustomField();
  const [editing, setEditing] = useState<CustomField | null>(null);
  const [opened, setOpened] = useState(false);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const closeDelete = () => {
    setDeleting(null);
    remove.reset();
  };

  return (
    <Card withBorder radius="lg" p="lg" data-testid="custom-fields-card">
      <Group justify="space-between" mb="md">
        <div>
          <Title order={4}>Custom fields</Title>
          <Text size="sm" c="dimmed">
            Your own dimensions and metrics on every account.
          </Text>
        </div>
        <Button
          leftSection={<IconPlus size={16} />}
          onClick={() => {
            setEditing(null);
            setOpened(true);
          }}
        >
          New field
        </Button>
      </Group>
      {fields.isPending ? (
        <CardSkeleton lines={3} />
      ) : fields.isError ? (
        <ErrorState error={fields.error} onRetry={() => void fields.refetch()} title="Could not load custom fields" />
      ) : fields.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No custom fields yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Label</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Format</Table.Th>
                <Table.Th>Options</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.data.map((field) => (
                <Table.Tr key={field.id} data-testid="custom-field-row">
                  <Table.Td fw={600}>{field.label}</Table.Td>
                  <Table.Td ff="monospace">{field.key}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" tt="none">
                      {FIELD_TYPES.find((t) => t.value === field.type)?.label ?? field.type}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" data-testid="custom-field-format-label">
                      {FORMAT_OPTIONS[field.type].length > 1 ? formatLabel(field.type, field.format) : "—"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={1}>
                      {field.options.join(", ") || "—"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={2} justify="flex-end" wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label={`Edit ${field.label}`}
                        onClick={() => {
                          setEditing(field);
                          setOpened(true);
                        }}
                      >
                        <IconEdit size={16} />
                      </ActionIcon>
                      <ActionIcon variant="subtle" color="red" aria-label={`Delete ${field.label}`} onClick={() => setDeleting(field)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CustomFieldModal opened={opened} onClose={() => setOpened(false)} field={editing} />
      <ConfirmModal
        opened={deleting !== null}
        onClose={closeDelete}
        title={`Delete “${deleting?.label ?? ""}”?`}
        confirmLabel="Delete field"
        danger
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: closeDelete })}
      >
        <Stack gap="sm">
          <Text size="sm">
            Its values are removed from every account, and views that show it or sort by it drop that column or sort.
          </Text>
          {/* What uses it, every user's views by whose they are. */}
          {remove.isError && <InUseAlert error={remove.error} onFindViews={closeDelete} />}
        </Stack>
      </ConfirmModal>
    </Card>
  );
}

export function AccountSettingsPage() {
  return (
    <>
      <PageHeader
        title="Account settings"
        description="Tiers, lifecycle stages, custom fields and every user's saved views of your organisation's accounts."
      />
      <Stack>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <LadderCard ladder="tiers" title="Tiers" description="Service levels, highest first." />
          <LadderCard ladder="stages" title="Lifecycle stages" description="The stages an account moves through, in order." />
        </SimpleGrid>
        <CustomFieldsCard />
        <EveryonesViewsCard />
      </Stack>
    </>
  );
}
