import type { AccountField, FilterCondition } from "../../api/types";
import { formatDate } from "../../components/format";
import { fieldOperatorsFor, fieldType, operatorInfo, type RowOp } from "./filters";

/** Names for values that are ids (the CSM field's user ids). */
export type UserName = (id: string) => string | undefined;

function valueText(value: unknown, type: string, userName: UserName): string {
  if (Array.isArray(value)) return value.map((v) => valueText(v, type, userName)).join(", ");
  if (type === "users" && typeof value === "string") return userName(value) ?? "a former user";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (type === "text" && typeof value === "string") return `“${value}”`;
  return String(value);
}

/**
 * A condition of the filter language in words, as the filter builder would read it aloud:
 * "Plan is Enterprise", "Go-live date within the next 45 days", "(A or B) and not (C)".
 */
export function describeCondition(condition: FilterCondition, fields: AccountField[], userName: UserName = () => undefined): string {
  const field = (key: string) => fields.find((f) => f.key === key);
  const label = (key: string) => field(key)?.label ?? key;
  const nested = (c: FilterCondition) => {
    const text = describeCondition(c, fields, userName);
    return c.kind === "all" || c.kind === "any" ? `(${text})` : text;
  };
  switch (condition.kind) {
    case "all":
    case "any":
      if (!condition.conditions.length) return condition.kind === "all" ? "every account" : "no account";
      return condition.conditions.map(nested).join(condition.kind === "all" ? " and " : " or ");
    case "not":
      return `not ${nested(condition.condition)}`;
    case "compare_fields": {
      const type = fieldType(field(condition.field));
      const op = fieldOperatorsFor(type).find((o) => o.value === condition.op)?.label ?? condition.op;
      return `${label(condition.field)} ${op} ${label(condition.other)}`;
    }
    case "date": {
      const info = operatorInfo("date", condition.op as RowOp);
      const op = info?.label ?? condition.op;
      if (info?.input === "days") return `${label(condition.field)} ${op.replace("…", String(condition.days ?? "?"))}`;
      if (info?.input === "date") return `${label(condition.field)} ${op} ${formatDate(condition.date ?? null)}`;
      return `${label(condition.field)} ${op}`;
    }
    case "compare": {
      const type = fieldType(field(condition.field));
      const info = operatorInfo(type, condition.op as RowOp);
      const op = info?.label ?? condition.op;
      if (!info || info.input === "none" || condition.value === undefined || condition.value === null) {
        return `${label(condition.field)} ${op}`;
      }
      return `${label(condition.field)} ${op} ${valueText(condition.value, type, userName)}`;
    }
  }
}
