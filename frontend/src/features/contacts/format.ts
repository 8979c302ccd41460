/** How a contact is named on screen: its name, else its email, else the product's user id. */
export function contactName(contact: { name: string | null; email: string | null; external_id: string }): string {
  return contact.name?.trim() || contact.email?.trim() || contact.external_id;
}

/** A trait's value as text: traits are free-form JSON sent by the customer's product. */
export function traitValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number") return value.toLocaleString();
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Traits in a stable order (by key), so the page does not reshuffle between loads. */
export function traitEntries(traits: Record<string, unknown>): [string, string][] {
  return Object.keys(traits)
    .sort((a, b) => a.localeCompare(b))
    .map((key) => [key, traitValue(traits[key])]);
}
