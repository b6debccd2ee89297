// Table types for Kysely. One interface per table, named like the table; kept in step with
// migrations/ by hand (a test compares them with information_schema).
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type TimestampNullable = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string | undefined | null, string | null>;

export interface AppMetaTable {
  key: string;
  value: Json;
  updated_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  password_hash: string | null;
  must_change_password: Generated<boolean>;
  language: Generated<string>;
  national_scope: Generated<boolean>;
  totp_secret_enc: string | null;
  totp_enabled_at: TimestampNullable;
  totp_last_step: number | null;
  failed_logins: Generated<number>;
  last_failed_at: TimestampNullable;
  locked_until: TimestampNullable;
  failed_since_last_login: Generated<number>;
  last_login_at: TimestampNullable;
  disabled_at: TimestampNullable;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface UserFacilitiesTable {
  user_id: string;
  facility_code: string;
}

export interface RolePoliciesTable {
  role: string;
  mfa_required: Generated<boolean>;
  version: Generated<number>;
  updated_at: Generated<Date>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  stage: Generated<'active' | 'mfa_pending'>;
  failed_before: Generated<number>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  ended_at: TimestampNullable;
  end_reason: string | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  label: Generated<string>;
  token_hash: string;
  token_prefix: string;
  created_at: Generated<Date>;
  created_by: string | null;
  last_used_at: TimestampNullable;
  revoked_at: TimestampNullable;
  revoked_by: string | null;
}

export interface IdempotencyKeysTable {
  actor_id: string;
  key: string;
  method: string;
  route: string;
  request_hash: string;
  status_code: number;
  response_body: Json;
  created_at: Generated<Date>;
}

export interface FacilitiesTable {
  code: string;
  name: string;
  province: string;
  population_group: 'men' | 'women' | 'mixed';
  security_level: string | null;
  published_population: number | null;
  published_population_as_of: string | null;
  note: string | null;
  created_at: Generated<Date>;
  version: Generated<number>;
}

export type UnitKind = 'reception' | 'general' | 'pretrial' | 'sentenced' | 'young_adults' | 'maximum' | 'health' | 'mothers' | 'prerelease';

export interface UnitsTable {
  id: Generated<string>;
  facility_code: string;
  code: string;
  name: string;
  kind: UnitKind;
  synthetic: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface CellsTable {
  id: Generated<string>;
  unit_id: string;
  code: string;
  synthetic: Generated<boolean>;
  created_at: Generated<Date>;
}

export type CapacitySource = 'official' | 'synthetic' | 'operational';

export interface CapacityHistoryTable {
  id: Generated<number>;
  facility_code: string;
  unit_id: string | null;
  cell_id: string | null;
  capacity: number | null;
  source: CapacitySource;
  effective_from: string;
  reason: string;
  recorded_at: Generated<Date>;
  recorded_by: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  occurred_at: Date;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string | null;
  facility_code: string | null;
  person_id: string | null;
  before_value: Json;
  after_value: Json;
  details: Json;
  request_id: string | null;
  source_ip: string | null;
}

export interface AuditChainTable {
  seq: number;
  entry_id: number;
  prev_hash: string;
  hash: string;
  sealed_at: Generated<Date>;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Generated<Date>;
}

export interface Database {
  app_meta: AppMetaTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  user_facilities: UserFacilitiesTable;
  role_policies: RolePoliciesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  facilities: FacilitiesTable;
  units: UnitsTable;
  cells: CellsTable;
  capacity_history: CapacityHistoryTable;
  audit_log: AuditLogTable;
  audit_chain: AuditChainTable;
  schema_migrations: SchemaMigrationsTable;
}

export type User = Selectable<UsersTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
