import { ActionIcon, Box, Group, Input, Text, Tooltip, type BoxProps } from "@mantine/core";
import { IconBold, IconItalic, IconList, IconListNumbers, IconUnderline } from "@tabler/icons-react";
import { useEffect, useMemo, useRef, useState, type ClipboardEvent, type ReactNode } from "react";
import { isBlankHtml, sanitiseHtml } from "./richtext";

/** Stored rich text (a note), shown with its formatting after the client's own sanitising. */
export function RichText({ html, testId, ...props }: BoxProps & { html: string; testId?: string }) {
  const clean = useMemo(() => sanitiseHtml(html), [html]);
  return <Box className="rich-text" fz="sm" data-testid={testId} {...props} dangerouslySetInnerHTML={{ __html: clean }} />;
}

const COMMANDS: { command: string; label: string; icon: ReactNode }[] = [
  { command: "bold", label: "Bold", icon: <IconBold size={14} /> },
  { command: "italic", label: "Italic", icon: <IconItalic size={14} /> },
  { command: "underline", label: "Underline", icon: <IconUnderline size={14} /> },
  { command: "insertUnorderedList", label: "Bulleted list", icon: <IconList size={14} /> },
  { command: "insertOrderedList", label: "Numbered list", icon: <IconListNumbers size={14} /> },
];

/**
 * A small rich-text editor: an editable copy of the (sanitised) HTML, so editing a note keeps
 * whatever formatting it has, with buttons (and the usual Ctrl+B/I/U) for the common styles.
 * It is uncontrolled: the browser owns the editable DOM, React seeds it once (remount with a
 * new `key` to reset it) and reads the HTML back on every change.
 */
export function RichTextEditor({
  initialHtml = "",
  onChange,
  label,
  placeholder,
  error,
  testId,
  autoFocus = false,
  minHeight = 72,
}: {
  initialHtml?: string;
  onChange: (html: string) => void;
  label: string;
  placeholder?: string;
  error?: ReactNode;
  testId?: string;
  autoFocus?: boolean;
  minHeight?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [blank, setBlank] = useState(() => isBlankHtml(initialHtml));

  useEffect(() => {
    const editor = ref.current;
    if (!editor) return;
    // An empty editor starts with a paragraph, so typed text is in one like every later line.
    editor.innerHTML = isBlankHtml(initialHtml) ? "<p><br></p>" : sanitiseHtml(initialHtml);
    if (autoFocus) {
      editor.focus();
      // The caret at the end of the text, where an edit usually starts.
      const range = document.createRange();
      range.selectNodeContents(editor);
      range.collapse(false);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
    }
    // Seeded once per mount: the editor is uncontrolled (see above).
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const changed = () => {
    const html = ref.current?.innerHTML ?? "";
    setBlank(isBlankHtml(html));
    onChange(html);
  };

  // execCommand is deprecated but is still the only built-in way to format an editable
  // selection, and every browser keeps supporting it (there is no replacement API).
  const run = (command: string) => {
    ref.current?.focus();
    document.execCommand(command, false);
    changed();
  };

  // Pasted HTML keeps its formatting but nothing else (styles, scripts, trackers).
  const paste = (event: ClipboardEvent<HTMLDivElement>) => {
    event.preventDefault();
    const html = event.clipboardData.getData("text/html");
    if (html) document.execCommand("insertHTML", false, sanitiseHtml(html));
    else document.execCommand("insertText", false, event.clipboardData.getData("text/plain"));
    changed();
  };

  return (
    <Input.Wrapper label={label} error={error}>
      <Box
        mt={4}
        style={{
          border: `1px solid var(--mantine-color-${error ? "red-6" : "gray-4"})`,
          borderRadius: "var(--mantine-radius-sm)",
          background: "var(--mantine-color-body)",
        }}
      >
        <Group gap={2} p={4} style={{ borderBottom: "1px solid var(--mantine-color-gray-3)" }}>
          {COMMANDS.map(({ command, label: name, icon }) => (
            <Tooltip key={command} label={name}>
              <ActionIcon
                variant="subtle"
                color="gray"
                size="sm"
                aria-label={name}
                // Keep the selection in the editor: a click would otherwise move focus first.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => run(command)}
              >
                {icon}
              </ActionIcon>
            </Tooltip>
          ))}
        </Group>
        <Box pos="relative">
          {blank && placeholder && (
            <Text size="sm" c="dimmed" pos="absolute" top={8} left={12} style={{ pointerEvents: "none" }}>
              {placeholder}
            </Text>
          )}
          <Box
            ref={ref}
            className="rich-text"
            contentEditable
            suppressContentEditableWarning
            role="textbox"
            aria-multiline="true"
            aria-label={label}
            aria-invalid={Boolean(error)}
            data-testid={testId}
            fz="sm"
            px={12}
            py={8}
            mih={minHeight}
            style={{ outline: "none", overflowWrap: "anywhere" }}
            onFocus={() => document.execCommand("defaultParagraphSeparator", false, "p")}
            onInput={changed}
            onPaste={paste}
          />
        </Box>
      </Box>
    </Input.Wrapper>
  );
}
