/** The backend's rule for new passwords (PasswordChange, PasswordResetConfirm, InvitationAccept). */
export const MIN_PASSWORD_LENGTH = 10;

export function validateNewPassword(value: string): string | null {
  return value.length >= MIN_PASSWORD_LENGTH ? null : `Use at least ${MIN_PASSWORD_LENGTH} characters`;
}

export function validateConfirmation(value: string, password: string): string | null {
  return value === password ? null : "The passwords do not match";
}
