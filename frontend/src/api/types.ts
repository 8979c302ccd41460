import type { components } from "./gen/schema";

type Schemas = components["schemas"];

export type Account = Schemas["AccountRead"];
export type AccountCreate = Schemas["AccountCreate"];
export type AccountUpdate = Schemas["AccountUpdate"];
export type AccountSort = Schemas["AccountSort"];
export type AuditEntry = Schemas["AuditEntryRead"];
export type InvitationPreview = Schemas["InvitationPreview"];
export type LoginResult = Schemas["LoginResult"];
export type Me = Schemas["MeRead"];
export type MfaEnrolment = Schemas["MfaEnrolment"];
export type Organisation = Schemas["OrganisationRead"];
export type OrganisationUpdate = Schemas["OrganisationUpdate"];
export type Permission = Schemas["Permission"];
export type PermissionInfo = Schemas["PermissionRead"];
export type ProblemDetail = Schemas["ProblemDetail"];
export type Role = Schemas["RoleRead"];
export type RoleCreate = Schemas["RoleCreate"];
export type RoleUpdate = Schemas["RoleUpdate"];
export type User = Schemas["UserRead"];
export type UserStatus = Schemas["UserStatus"];
export type UserUpdate = Schemas["UserUpdate"];
export type InvitationCreate = Schemas["InvitationCreate"];
