-- The prisoner file: persons (one file per person for life), identity documents, aliases,
-- family and children, judicial orders with four-eyes verification, custody episodes with
-- legal-status periods, placements and movements, property, admission drafts, stored files
-- (photos and scans live in the database, so backups hold them), merges and alerts.

-- Accent- and case-insensitive text for names. unaccent() is only STABLE (its dictionary
-- could change); wrapping it with the dictionary named makes it usable in indexes.
CREATE FUNCTION f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
$$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

-- Prisoner numbers are issued from a sequence and never reused (a backup carries it).
CREATE SEQUENCE prisoner_number_seq START 100001;

CREATE TABLE stored_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes integer NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 10485760),
  sha256 text NOT NULL,
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES users(id)
);

CREATE TABLE persons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  prisoner_number text NOT NULL UNIQUE,
  given_names text NOT NULL,
  first_surname text NOT NULL,
  second_surname text,
  married_surname text,
  sex text NOT NULL CHECK (sex IN ('male', 'female', 'intersex')),
  gender_identity text,
  date_of_birth date,
  birth_date_estimated boolean NOT NULL DEFAULT false,
  nationality text NOT NULL CHECK (nationality ~ '^[A-Z]{2}$'),
  languages text[] NOT NULL DEFAULT '{es}',
  literacy text CHECK (literacy IN ('literate', 'partial', 'illiterate')),
  disabilities text,
  distinguishing_marks text,
  photo_file_id uuid REFERENCES stored_files(id),
  -- Where the person is for scope: the centre holding them or that last released them,
  -- and, while in transit, the centre they are travelling to.
  location_facility_code text REFERENCES facilities(code),
  transit_facility_code text REFERENCES facilities(code),
  custody_status text NOT NULL DEFAULT 'none' CHECK (custody_status IN ('none', 'in_custody', 'in_transit', 'released')),
  -- Names, aliases and documents folded for search (accent-insensitive, lower case).
  search_text text NOT NULL DEFAULT '',
  merged_into uuid REFERENCES persons(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX persons_search_trgm ON persons USING gin (search_text gin_trgm_ops);
CREATE INDEX persons_location_idx ON persons (location_facility_code, first_surname, given_names) WHERE merged_into IS NULL;
CREATE INDEX persons_transit_idx ON persons (transit_facility_code) WHERE transit_facility_code IS NOT NULL;
CREATE INDEX persons_birth_idx ON persons (date_of_birth);
CREATE INDEX persons_name_idx ON persons (first_surname, given_names) WHERE merged_into IS NULL;
-- pg_trgm declares its operator functions COST 1, so the planner would rather run them on every
-- row than use the trigram index; testing <% really costs a few microseconds a row.
ALTER FUNCTION word_similarity_op(text, text) COST 100;
ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100;

-- Corrections to identity are new entries with a reason; the old value stays visible.
CREATE TABLE person_corrections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES persons(id),
  field text NOT NULL,
  old_value jsonb,
  new_value jsonb,
  reason text NOT NULL,
  corrected_at timestamptz NOT NULL DEFAULT now(),
  corrected_by uuid REFERENCES users(id)
);
CREATE INDEX person_corrections_person_idx ON person_corrections (person_id, corrected_at DESC);

CREATE TABLE person_aliases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  alias text NOT NULL,
  kind text NOT NULL DEFAULT 'alias' CHECK (kind IN ('alias', 'other_name')),
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX person_aliases_person_idx ON person_aliases (person_id);

CREATE TABLE person_documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  kind text NOT NULL CHECK (kind IN ('cedula', 'passport', 'residence', 'other')),
  number text NOT NULL,
  -- Upper case without spaces or dashes, for matching however it was typed.
  number_normalized text NOT NULL,
  issuing_country text CHECK (issuing_country ~ '^[A-Z]{2}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX person_documents_number_idx ON person_documents (number_normalized);
CREATE INDEX person_documents_person_idx ON person_documents (person_id);

CREATE TABLE person_contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  name text NOT NULL,
  relationship text NOT NULL,
  phone text,
  address text,
  is_emergency boolean NOT NULL DEFAULT false,
  is_next_of_kin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX person_contacts_person_idx ON person_contacts (person_id);

-- Children (Bangkok Rule 3): confidential, permission person.children.read.
CREATE TABLE person_children (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  name text NOT NULL,
  date_of_birth date,
  age_years integer CHECK (age_years BETWEEN 0 AND 60),
  whereabouts text NOT NULL,
  caregiver text,
  lives_in_centre boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX person_children_person_idx ON person_children (person_id);

-- Pregnancy and breastfeeding: clinical, health.read only. Others see only the consequence
-- (segregation and restraints restricted), computed by the persons module.
CREATE TABLE health_declarations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  pregnant boolean NOT NULL DEFAULT false,
  breastfeeding boolean NOT NULL DEFAULT false,
  notes text,
  declared_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  valid_until timestamptz
);
CREATE INDEX health_declarations_person_idx ON health_declarations (person_id, declared_at DESC);

-- Judicial orders. Registered by one user, verified by a different one who records how; an
-- unverified order can never admit or release anyone.
CREATE TABLE judicial_orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('commitment', 'release')),
  authority_kind text NOT NULL CHECK (authority_kind IN ('court', 'prosecutor')),
  issuing_authority text NOT NULL,
  case_number text NOT NULL,
  order_date date NOT NULL,
  subject_name text NOT NULL,
  person_id uuid REFERENCES persons(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  legal_status text CHECK (legal_status IN ('pretrial', 'sentenced', 'other')),
  notes text,
  scan_file_id uuid REFERENCES stored_files(id),
  status text NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'verified', 'rejected')),
  registered_by uuid NOT NULL REFERENCES users(id),
  registered_at timestamptz NOT NULL DEFAULT now(),
  verified_by uuid REFERENCES users(id),
  verified_at timestamptz,
  verification_method text,
  verification_note text,
  -- An order that could not be confirmed is rejected, also by a second officer, with why.
  rejected_by uuid REFERENCES users(id),
  rejected_at timestamptz,
  rejection_reason text,
  version integer NOT NULL DEFAULT 1,
  CHECK (verified_by IS NULL OR verified_by <> registered_by),
  CHECK (rejected_by IS NULL OR rejected_by <> registered_by),
  CHECK ((status = 'verified') = (verified_by IS NOT NULL)),
  CHECK ((status = 'rejected') = (rejected_by IS NOT NULL))
);
CREATE INDEX judicial_orders_person_idx ON judicial_orders (person_id);
CREATE INDEX judicial_orders_facility_idx ON judicial_orders (facility_code, status, registered_at DESC);
CREATE INDEX judicial_orders_case_idx ON judicial_orders (case_number);

-- A stay in custody: admission → release. At most one open episode per person.
CREATE TABLE custody_episodes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  admission_order_id uuid NOT NULL REFERENCES judicial_orders(id),
  arrested_at timestamptz NOT NULL,
  arrest_place text NOT NULL,
  admitted_at timestamptz NOT NULL,
  admitted_by uuid REFERENCES users(id),
  visible_injuries text,
  ill_treatment_complaint text,
  rights_information_language text,
  rights_information_given_at timestamptz,
  released_at timestamptz,
  release_reason text,
  release_order_id uuid REFERENCES judicial_orders(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (admitted_at >= arrested_at),
  CHECK (released_at IS NULL OR released_at >= admitted_at)
);
CREATE UNIQUE INDEX custody_episodes_one_open ON custody_episodes (person_id) WHERE released_at IS NULL;
-- An order takes effect once: one admission per commitment order, one release per release order.
CREATE UNIQUE INDEX custody_episodes_admission_order_once ON custody_episodes (admission_order_id);
CREATE UNIQUE INDEX custody_episodes_release_order_once ON custody_episodes (release_order_id) WHERE release_order_id IS NOT NULL;
CREATE INDEX custody_episodes_person_idx ON custody_episodes (person_id, admitted_at DESC);
CREATE INDEX custody_episodes_facility_idx ON custody_episodes (facility_code) WHERE released_at IS NULL;

-- Legal status as dated periods, each with the order that caused it.
CREATE TABLE legal_status_periods (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  status text NOT NULL CHECK (status IN ('pretrial', 'sentenced', 'other')),
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  order_id uuid REFERENCES judicial_orders(id),
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  EXCLUDE USING gist (episode_id WITH =, tstzrange(valid_from, valid_to) WITH &&)
);

-- Where in a centre the person sleeps, as dated periods.
CREATE TABLE placements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  unit_id uuid NOT NULL REFERENCES units(id),
  cell_id uuid REFERENCES cells(id),
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  EXCLUDE USING gist (episode_id WITH =, tstzrange(valid_from, valid_to) WITH &&)
);
CREATE INDEX placements_unit_idx ON placements (unit_id) WHERE valid_to IS NULL;
CREATE INDEX placements_cell_idx ON placements (cell_id) WHERE valid_to IS NULL;

-- Every movement of a person, with when it happened and when it was recorded.
CREATE TABLE movements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  person_id uuid NOT NULL REFERENCES persons(id),
  kind text NOT NULL CHECK (kind IN ('admission', 'transfer_out', 'transfer_in', 'court_out', 'court_return', 'hospital_out', 'hospital_return', 'leave_out', 'leave_return', 'escape', 'recapture', 'release', 'death')),
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  from_facility_code text REFERENCES facilities(code),
  to_facility_code text REFERENCES facilities(code),
  order_id uuid REFERENCES judicial_orders(id),
  reason text,
  recorded_by uuid REFERENCES users(id)
);
CREATE INDEX movements_episode_idx ON movements (episode_id, occurred_at);
CREATE INDEX movements_person_idx ON movements (person_id, occurred_at DESC);

CREATE TABLE property_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  description text NOT NULL,
  quantity integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
  condition text,
  storage_location text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  signed_off_by uuid REFERENCES users(id),
  signed_off_at timestamptz,
  returned_at timestamptz,
  returned_by uuid REFERENCES users(id)
);
CREATE INDEX property_items_episode_idx ON property_items (episode_id);

-- An admission in progress. Drafts are their own records, so an admission is never created
-- without its order.
CREATE TABLE admission_drafts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  facility_code text NOT NULL REFERENCES facilities(code),
  data jsonb NOT NULL DEFAULT '{}',
  created_by uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_episode_id uuid REFERENCES custody_episodes(id),
  discarded_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX admission_drafts_open_idx ON admission_drafts (facility_code, updated_at DESC) WHERE completed_episode_id IS NULL AND discarded_at IS NULL;

-- Two files found to be one person: merged (audited) and reversible.
CREATE TABLE person_merges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  survivor_id uuid NOT NULL REFERENCES persons(id),
  merged_id uuid NOT NULL REFERENCES persons(id),
  reason text NOT NULL,
  moved jsonb NOT NULL,
  merged_at timestamptz NOT NULL DEFAULT now(),
  merged_by uuid NOT NULL REFERENCES users(id),
  undone_at timestamptz,
  undone_by uuid REFERENCES users(id),
  CHECK (survivor_id <> merged_id)
);

-- Alerts: one mechanism for every kind (configurable types).
CREATE TABLE alert_types (
  code text PRIMARY KEY,
  name_es text NOT NULL,
  name_en text NOT NULL,
  default_severity text NOT NULL CHECK (default_severity IN ('low', 'medium', 'high', 'critical')),
  recipient_role text NOT NULL,
  acknowledge_within_hours integer NOT NULL CHECK (acknowledge_within_hours > 0),
  active boolean NOT NULL DEFAULT true
);

CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type_code text NOT NULL REFERENCES alert_types(code),
  person_id uuid REFERENCES persons(id),
  facility_code text REFERENCES facilities(code),
  recipient_role text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  summary text NOT NULL,
  details jsonb,
  raised_at timestamptz NOT NULL DEFAULT now(),
  raised_by uuid REFERENCES users(id),
  due_at timestamptz NOT NULL,
  -- 0 = the recipient role at the centre; 1 = the centre director; 2 = headquarters.
  escalation_level integer NOT NULL DEFAULT 0,
  escalated_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES users(id),
  acknowledgement_note text,
  closed_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX alerts_open_idx ON alerts (facility_code, recipient_role, due_at) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_person_idx ON alerts (person_id) WHERE closed_at IS NULL;

INSERT INTO alert_types (code, name_es, name_en, default_severity, recipient_role, acknowledge_within_hours) VALUES
  ('self_harm_risk', 'Riesgo de autolesión', 'Self-harm risk', 'critical', 'health', 2),
  ('medical', 'Atención médica', 'Medical', 'high', 'health', 24),
  ('separation', 'Separación', 'Separation', 'high', 'director', 24),
  ('escape_risk', 'Riesgo de fuga', 'Escape risk', 'high', 'director', 12),
  ('foreign_national', 'Persona extranjera: notificación consular', 'Foreign national: consular notification', 'medium', 'director', 48),
  ('injuries_on_admission', 'Lesiones o denuncia de maltrato al ingreso', 'Injuries or ill-treatment complaint on admission', 'high', 'director', 24),
  ('health_screening_due', 'Examen médico de ingreso pendiente', 'Admission health screening due', 'high', 'health', 24);
