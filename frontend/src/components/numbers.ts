/**
 * Why a number typed in a form is not a whole number from `min` to `max` ("CSM score is a whole
 * number from 0 to 100"), or null. The form's NumberInput keeps what was typed (`clampBehavior="none"`)
 * and the form refuses it with this: Mantine's default clamp on blur would quietly save 150 as 100.
 */
export function wholeNumberProblem(value: number | string, min: number, max: number, what: string): string | null {
  const n = typeof value === "number" ? value : value.trim() === "" ? NaN : Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? null : `${what} is a whole number from ${min} to ${max}`;
}
