// Table types for Kysely. One interface per table, named like the table; kept in step with
// migrations/ by hand: every query is type-checked against them, and the tests run every
// query against the real schema.
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


// ---- The prisoner file (migrations/002_prisoner_file.sql) ----

export interface StoredFilesTable {
  id: Generated<string>;
  content_type: 'image/jpeg' | 'image/png' | 'application/pdf';
  size_bytes: number;
  sha256: string;
  data: Buffer | Uint8Array;
  created_at: Generated<Date>;
  created_by: string | null;
}

export type Sex = 'male' | 'female' | 'intersex';
export type CustodyStatus = 'none' | 'in_custody' | 'in_transit' | 'released';
export type LegalStatus = 'pretrial' | 'sentenced' | 'other';

export interface PersonsTable {
  id: Generated<string>;
  prisoner_number: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  married_surname: string | null;
  sex: Sex;
  gender_identity: string | null;
  date_of_birth: string | null;
  birth_date_estimated: Generated<boolean>;
  nationality: string;
  languages: Generated<string[]>;
  literacy: 'literate' | 'partial' | 'illiterate' | null;
  disabilities: string | null;
  distinguishing_marks: string | null;
  photo_file_id: string | null;
  location_facility_code: string | null;
  transit_facility_code: string | null;
  custody_status: Generated<CustodyStatus>;
  search_text: Generated<string>;
  merged_into: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface PersonCorrectionsTable {
  id: Generated<number>;
  person_id: string;
  field: string;
  old_value: Json;
  new_value: Json;
  reason: string;
  corrected_at: Generated<Date>;
  corrected_by: string | null;
}

export interface PersonAliasesTable {
  id: Generated<string>;
  person_id: string;
  alias: string;
  kind: Generated<'alias' | 'other_name'>;
  created_at: Generated<Date>;
  ended_at: TimestampNullable;
}

export interface PersonDocumentsTable {
  id: Generated<string>;
  person_id: string;
  kind: 'cedula' | 'passport' | 'residence' | 'other';
  number: string;
  number_normalized: string;
  issuing_country: string | null;
  created_at: Generated<Date>;
  ended_at: TimestampNullable;
}

export interface PersonContactsTable {
  id: Generated<string>;
  person_id: string;
  name: string;
  relationship: string;
  phone: string | null;
  address: string | null;
  is_emergency: Generated<boolean>;
  is_next_of_kin: Generated<boolean>;
  created_at: Generated<Date>;
  ended_at: TimestampNullable;
}

export interface PersonChildrenTable {
  id: Generated<string>;
  person_id: string;
  name: string;
  date_of_birth: string | null;
  age_years: number | null;
  whereabouts: string;
  caregiver: string | null;
  lives_in_centre: Generated<boolean>;
  created_at: Generated<Date>;
  ended_at: TimestampNullable;
}

export interface HealthDeclarationsTable {
  id: Generated<string>;
  person_id: string;
  pregnant: Generated<boolean>;
  breastfeeding: Generated<boolean>;
  notes: string | null;
  declared_at: Generated<Date>;
  recorded_by: string | null;
  valid_until: TimestampNullable;
}

export type OrderKind = 'commitment' | 'release' | 'sentence' | 'provisional_custody' | 'measure' | 'reduction' | 'custody_credit';

export interface JudicialOrdersTable {
  id: Generated<string>;
  kind: OrderKind;
  authority_kind: 'court' | 'prosecutor';
  issuing_authority: string;
  case_number: string;
  order_date: string;
  subject_name: string;
  person_id: string | null;
  facility_code: string;
  legal_status: LegalStatus | null;
  notes: string | null;
  scan_file_id: string | null;
  status: Generated<'registered' | 'verified' | 'rejected'>;
  registered_by: string;
  registered_at: Generated<Date>;
  verified_by: string | null;
  verified_at: TimestampNullable;
  verification_method: string | null;
  verification_note: string | null;
  rejected_by: string | null;
  rejected_at: TimestampNullable;
  rejection_reason: string | null;
  version: Generated<number>;
  case_id: string | null;
}

export interface CustodyEpisodesTable {
  id: Generated<string>;
  person_id: string;
  facility_code: string;
  admission_order_id: string;
  arrested_at: Timestamp;
  arrest_place: string;
  admitted_at: Timestamp;
  admitted_by: string | null;
  visible_injuries: string | null;
  ill_treatment_complaint: string | null;
  rights_information_language: string | null;
  rights_information_given_at: TimestampNullable;
  released_at: TimestampNullable;
  release_reason: string | null;
  release_order_id: string | null;
  created_at: Generated<Date>;
  version: Generated<number>;
}

export interface LegalStatusPeriodsTable {
  id: Generated<string>;
  episode_id: string;
  status: LegalStatus;
  valid_from: Timestamp;
  valid_to: TimestampNullable;
  order_id: string | null;
  reason: string;
  recorded_at: Generated<Date>;
  recorded_by: string | null;
}

export interface PlacementsTable {
  id: Generated<string>;
  episode_id: string;
  facility_code: string;
  unit_id: string;
  cell_id: string | null;
  valid_from: Timestamp;
  valid_to: TimestampNullable;
  reason: string;
  recorded_at: Generated<Date>;
  recorded_by: string | null;
  override_rule: string | null;
  override_reason: string | null;
  override_by: string | null;
}

export type MovementKind =
  | 'admission' | 'transfer_out' | 'transfer_in' | 'court_out' | 'court_return' | 'hospital_out' | 'hospital_return'
  | 'leave_out' | 'leave_return' | 'escape' | 'recapture' | 'release' | 'death';

export interface MovementsTable {
  id: Generated<string>;
  episode_id: string;
  person_id: string;
  kind: MovementKind;
  occurred_at: Timestamp;
  recorded_at: Generated<Date>;
  from_facility_code: string | null;
  to_facility_code: string | null;
  order_id: string | null;
  reason: string | null;
  recorded_by: string | null;
}

export interface PropertyItemsTable {
  id: Generated<string>;
  episode_id: string;
  description: string;
  quantity: Generated<number>;
  condition: string | null;
  storage_location: string | null;
  recorded_at: Generated<Date>;
  recorded_by: string | null;
  signed_off_by: string | null;
  signed_off_at: TimestampNullable;
  returned_at: TimestampNullable;
  returned_by: string | null;
}

export interface AdmissionDraftsTable {
  id: Generated<string>;
  facility_code: string;
  data: Json;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_episode_id: string | null;
  discarded_at: TimestampNullable;
  version: Generated<number>;
}

export interface PersonMergesTable {
  id: Generated<string>;
  survivor_id: string;
  merged_id: string;
  reason: string;
  moved: Json;
  merged_at: Generated<Date>;
  merged_by: string;
  undone_at: TimestampNullable;
  undone_by: string | null;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface AlertTypesTable {
  code: string;
  name_es: string;
  name_en: string;
  default_severity: Severity;
  recipient_role: string;
  acknowledge_within_hours: number;
  active: Generated<boolean>;
}

export interface AlertsTable {
  id: Generated<string>;
  type_code: string;
  person_id: string | null;
  facility_code: string | null;
  recipient_role: string;
  severity: Severity;
  summary: string;
  details: Json;
  raised_at: Generated<Date>;
  raised_by: string | null;
  due_at: Timestamp;
  escalation_level: Generated<number>;
  escalated_at: TimestampNullable;
  acknowledged_at: TimestampNullable;
  acknowledged_by: string | null;
  acknowledgement_note: string | null;
  closed_at: TimestampNullable;
  version: Generated<number>;
}

// ---- Custody (migrations/003_custody.sql) ----

export interface FacilityStaysTable {
  id: Generated<string>;
  episode_id: string;
  person_id: string;
  facility_code: string;
  from_at: Timestamp;
  to_at: TimestampNullable;
  recorded_at: Generated<Date>;
  recorded_by: string | null;
}

export type TransferStatus = 'requested' | 'authorized' | 'refused' | 'cancelled' | 'in_transit' | 'arrived';

export interface TransfersTable {
  id: Generated<string>;
  person_id: string;
  episode_id: string;
  from_facility_code: string;
  to_facility_code: string;
  reason: string;
  order_id: string | null;
  status: Generated<TransferStatus>;
  requested_by: string;
  requested_at: Generated<Date>;
  authorized_by: string | null;
  authorized_at: TimestampNullable;
  decision_note: string | null;
  departed_at: TimestampNullable;
  arrived_at: TimestampNullable;
  separation_override_reason: string | null;
  version: Generated<number>;
}

export interface AbsencesTable {
  id: Generated<string>;
  episode_id: string;
  person_id: string;
  facility_code: string;
  kind: 'court' | 'hospital' | 'leave' | 'escape';
  destination: string | null;
  reason: string;
  order_id: string | null;
  out_at: Timestamp;
  expected_back_at: TimestampNullable;
  back_at: TimestampNullable;
  recorded_at: Generated<Date>;
  recorded_by: string | null;
  back_recorded_by: string | null;
  version: Generated<number>;
}

export type ReleaseReason = 'court_order' | 'sentence_served' | 'conditional_release' | 'bail' | 'transfer_abroad' | 'other';

export interface ReleasesTable {
  id: Generated<string>;
  episode_id: string;
  person_id: string;
  facility_code: string;
  order_id: string | null;
  reason: ReleaseReason;
  status: Generated<'recorded' | 'confirmed' | 'cancelled'>;
  planned_at: Timestamp;
  recorded_by: string;
  recorded_at: Generated<Date>;
  confirmed_by: string | null;
  confirmed_at: TimestampNullable;
  property_returned: Generated<boolean>;
  notes: string | null;
  version: Generated<number>;
}

export interface RollCountsTable {
  id: Generated<string>;
  facility_code: string;
  unit_id: string;
  counted_at: Timestamp;
  expected_present: number;
  counted: number;
  notes: string | null;
  recorded_at: Generated<Date>;
  recorded_by: string;
}

export interface DeathCasesTable {
  id: Generated<string>;
  person_id: string;
  episode_id: string;
  facility_code: string;
  died_at: Timestamp;
  place: string;
  circumstances: string;
  cause_category: 'homicide' | 'suicide' | 'natural' | 'accident' | 'other' | 'undetermined' | null;
  recorded_by: string;
  recorded_at: Generated<Date>;
  closed_at: TimestampNullable;
  version: Generated<number>;
}

export type DeathChecklistItem = 'notify_next_of_kin' | 'notify_independent_authority' | 'preserve_evidence' | 'medical_report' | 'return_remains';

export interface DeathChecklistItemsTable {
  id: Generated<string>;
  case_id: string;
  item: DeathChecklistItem;
  owner_role: string;
  owner_user_id: string | null;
  due_at: Timestamp;
  completed_at: TimestampNullable;
  completed_by: string | null;
  evidence: string | null;
  evidence_file_id: string | null;
  version: Generated<number>;
}

// ---- legal time (migration 004) ----

export type OffenceCategory = 'life_and_integrity' | 'sexual' | 'property' | 'economic' | 'drugs' | 'public_security' | 'public_administration' | 'family' | 'public_faith' | 'environment' | 'other';
export type CaseStage = 'investigation' | 'trial' | 'first_instance' | 'appeal' | 'final';
export type CaseClosureReason = 'acquitted' | 'dismissed' | 'detention_lifted' | 'sentence_served' | 'other';
export type HearingStatus = 'scheduled' | 'taken' | 'held' | 'postponed' | 'cancelled';
export type RedemptionStatus = 'certified' | 'evaluated' | 'approved' | 'refused';
export type DateField = 'start_date' | 'one_third_date' | 'two_thirds_date' | 'expiry_date' | 'pretrial_alert_date';

export interface OffencesTable {
  code: string;
  article: string;
  name_es: string;
  name_en: string;
  category: OffenceCategory;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface CriminalCasesTable {
  id: Generated<string>;
  person_id: string;
  episode_id: string;
  authority_kind: 'court' | 'prosecutor';
  authority_name: string;
  case_number: string;
  judge_name: string | null;
  defence_kind: Generated<'public_defender' | 'private_lawyer' | 'unknown'>;
  defence_name: string | null;
  stage: CaseStage;
  closed_on: string | null;
  closure_reason: CaseClosureReason | null;
  closure_order_id: string | null;
  opened_at: Generated<Date>;
  opened_by: string | null;
  version: Generated<number>;
}

export interface CaseChargesTable {
  id: Generated<string>;
  case_id: string;
  offence_code: string;
  counts: Generated<number>;
  attempted: Generated<boolean>;
  notes: string | null;
  added_at: Generated<Date>;
  added_by: string | null;
  withdrawn_at: TimestampNullable;
  withdrawn_by: string | null;
}

export interface CourtHearingsTable {
  id: Generated<string>;
  case_id: string;
  person_id: string;
  scheduled_at: Timestamp;
  court: string;
  purpose: string;
  status: Generated<HearingStatus>;
  absence_id: string | null;
  outcome: string | null;
  created_at: Generated<Date>;
  created_by: string | null;
  version: Generated<number>;
}

export interface SentenceOrdersTable {
  order_id: string;
  case_id: string;
  years: number;
  months: number;
  days: number;
  relation: 'concurrent' | 'consecutive';
  consecutive_to: string | null;
  sentenced_on: string;
  court: string;
  rule_set_id: string | null;
}

export interface CustodyCreditOrdersTable {
  order_id: string;
  case_id: string | null;
  custody_kind: 'house_arrest' | 'hospital' | 'earlier_episode';
  from_date: string;
  to_date: string;
  source_episode_id: string | null;
}

export interface MeasureOrdersTable {
  order_id: string;
  case_id: string | null;
  measure_kind: 'periodic_reporting' | 'territorial_restriction';
  appearances: number | null;
  from_date: string | null;
  to_date: string | null;
}

export interface ReductionOrdersTable {
  order_id: string;
  days: number;
  decree_number: string;
  decree_date: string;
}

export interface RedemptionRecordsTable {
  id: Generated<string>;
  person_id: string;
  episode_id: string;
  facility_code: string;
  activity_kind: 'work' | 'study' | 'teaching';
  programme: string;
  period_from: string;
  period_to: string;
  days: number | null;
  hours: number | null;
  status: Generated<RedemptionStatus>;
  certified_by: string;
  certified_at: Generated<Date>;
  evaluated_by: string | null;
  evaluated_at: TimestampNullable;
  evaluation: 'favourable' | 'unfavourable' | null;
  evaluation_note: string | null;
  decided_by: string | null;
  decided_at: TimestampNullable;
  decision_reference: string | null;
  decision_date: string | null;
  decision_note: string | null;
  version: Generated<number>;
}

export interface SentenceComputationsTable {
  id: Generated<string>;
  person_id: string;
  episode_id: string;
  status: 'sentenced' | 'pretrial';
  as_of: string;
  rule_set_id: string;
  input: Json;
  result: Json;
  start_date: string | null;
  one_third_date: string | null;
  two_thirds_date: string | null;
  expiry_date: string | null;
  pretrial_alert_date: string | null;
  cause: string;
  computed_at: Generated<Date>;
  computed_by: string | null;
  superseded_at: TimestampNullable;
  confirmed_by: string | null;
  confirmed_at: TimestampNullable;
}

export interface SentenceDateChangesTable {
  id: Generated<string>;
  person_id: string;
  computation_id: string;
  field: DateField;
  old_date: string | null;
  new_date: string | null;
  cause: string;
  changed_at: Generated<Date>;
  changed_by: string | null;
}

export interface OverdueExplanationsTable {
  id: Generated<string>;
  person_id: string;
  computation_id: string;
  explanation: string;
  explained_by: string;
  explained_at: Generated<Date>;
}

// ---- release control (migration 007) ----

export interface ReleaseControlNoticesTable {
  episode_id: string;
  kind: 'pretrial_limit' | 'release_due';
  key: string;
  person_id: string;
  computation_id: string | null;
  raised_at: Generated<Date>;
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
  stored_files: StoredFilesTable;
  persons: PersonsTable;
  person_corrections: PersonCorrectionsTable;
  person_aliases: PersonAliasesTable;
  person_documents: PersonDocumentsTable;
  person_contacts: PersonContactsTable;
  person_children: PersonChildrenTable;
  health_declarations: HealthDeclarationsTable;
  judicial_orders: JudicialOrdersTable;
  custody_episodes: CustodyEpisodesTable;
  legal_status_periods: LegalStatusPeriodsTable;
  placements: PlacementsTable;
  movements: MovementsTable;
  property_items: PropertyItemsTable;
  admission_drafts: AdmissionDraftsTable;
  person_merges: PersonMergesTable;
  alert_types: AlertTypesTable;
  alerts: AlertsTable;
  facility_stays: FacilityStaysTable;
  transfers: TransfersTable;
  absences: AbsencesTable;
  releases: ReleasesTable;
  roll_counts: RollCountsTable;
  death_cases: DeathCasesTable;
  death_checklist_items: DeathChecklistItemsTable;
  offences: OffencesTable;
  criminal_cases: CriminalCasesTable;
  case_charges: CaseChargesTable;
  court_hearings: CourtHearingsTable;
  sentence_orders: SentenceOrdersTable;
  custody_credit_orders: CustodyCreditOrdersTable;
  measure_orders: MeasureOrdersTable;
  reduction_orders: ReductionOrdersTable;
  redemption_records: RedemptionRecordsTable;
  sentence_computations: SentenceComputationsTable;
  sentence_date_changes: SentenceDateChangesTable;
  overdue_explanations: OverdueExplanationsTable;
  release_control_notices: ReleaseControlNoticesTable;
}

export type User = Selectable<UsersTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
