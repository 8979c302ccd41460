import { createTheme, type MantineColorsTuple } from "@mantine/core";

// A deep teal: calm, trustworthy, distinct from the usual SaaS blue.
const tenure: MantineColorsTuple = [
  "#e6fbf8",
  "#d4f2ee",
  "#aae3db",
  "#7cd3c7",
  "#56c6b6",
  "#3dbdab",
  "#2db9a6",
  "#1aa291",
  "#039080",
  "#007d6e",
];

export const theme = createTheme({
  primaryColor: "tenure",
  primaryShade: { light: 8, dark: 6 },
  colors: { tenure },
  defaultRadius: "md",
  fontFamily:
    'Inter, "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: "650" },
  cursorType: "pointer",
});
