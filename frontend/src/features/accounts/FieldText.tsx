import { Anchor } from "@mantine/core";
import { linkFor, type FieldFormat } from "./fieldFormat";

/** A field value's text, as a link when its format is a URL or an email address. */
export function FieldText({ text, format }: { text: string; format: FieldFormat }) {
  const href = linkFor(format, text);
  if (!href) return <>{text}</>;
  return (
    <Anchor
      href={href}
      size="sm"
      target={format === "url" ? "_blank" : undefined}
      rel="noopener noreferrer"
      // Inside a clickable table row: follow the link, not the row.
      onClick={(event) => event.stopPropagation()}
    >
      {text}
    </Anchor>
  );
}
