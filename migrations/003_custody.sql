-- Custody: where each person was on every day (facility stays), transfers authorized by a
-- second officer, temporary absences (court, hospital, leave), escapes, releases confirmed by
-- a second officer, housing overrides of the separation rules, the roll (headcount) and the
-- death-in-custody checklist. Every entry keeps when it happened and when it was recorded.

-- The centre responsible for a person over time. A transfer ends the stay at the origin only
-- when the arrival is recorded (people in transit count where they left).
CREATE TABLE facility_stays (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  person_id uuid NOT NULL REFERENCES persons(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  from_at timestamptz NOT NULL,
  to_at timestamptz,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  CHECK (to_at IS NULL OR to_at > from_at),
  EXCLUDE USING gist (episode_id WITH =, tstzrange(from_at, to_at) WITH &&)
);
CREATE INDEX facility_stays_facility_idx ON facility_stays (facility_code, from_at, to_at);
CREATE INDEX facility_stays_open_idx ON facility_stays (facility_code) WHERE to_at IS NULL;
CREATE INDEX facility_stays_recorded_idx ON facility_stays (recorded_at);
CREATE INDEX custody_episodes_period_idx ON custody_episodes (admitted_at, released_at);
CREATE INDEX legal_status_periods_episode_idx ON legal_status_periods (episode_id, valid_from);

-- Placement overrides of the separation rules: who allowed it and why.
ALTER TABLE placements ADD COLUMN override_rule text;
ALTER TABLE placements ADD COLUMN override_reason text;
ALTER TABLE placements ADD COLUMN override_by uuid REFERENCES users(id);
ALTER TABLE placements ADD CONSTRAINT placements_override_complete CHECK ((override_rule IS NULL) = (override_reason IS NULL) AND (override_rule IS NULL) = (override_by IS NULL));

-- Transfers between centres: requested by one officer, authorized by a different one
-- (sold transfers have happened), then departure and arrival.
CREATE TABLE transfers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  from_facility_code text NOT NULL REFERENCES facilities(code),
  to_facility_code text NOT NULL REFERENCES facilities(code),
  reason text NOT NULL,
  order_id uuid REFERENCES judicial_orders(id),
  status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'authorized', 'refused', 'cancelled', 'in_transit', 'arrived')),
  requested_by uuid NOT NULL REFERENCES users(id),
  requested_at timestamptz NOT NULL DEFAULT now(),
  authorized_by uuid REFERENCES users(id),
  authorized_at timestamptz,
  decision_note text,
  departed_at timestamptz,
  arrived_at timestamptz,
  separation_override_reason text,
  version integer NOT NULL DEFAULT 1,
  CHECK (from_facility_code <> to_facility_code),
  CHECK (authorized_by IS NULL OR authorized_by <> requested_by),
  CHECK (arrived_at IS NULL OR departed_at IS NOT NULL AND arrived_at >= departed_at)
);
CREATE UNIQUE INDEX transfers_one_active ON transfers (episode_id) WHERE status IN ('requested', 'authorized', 'in_transit');
CREATE INDEX transfers_facility_idx ON transfers (from_facility_code, status);
CREATE INDEX transfers_to_facility_idx ON transfers (to_facility_code, status);

-- Temporary absences: court appearances, hospital visits, leave. The person remains in custody
-- and counts at their centre; the roll shows them as out.
CREATE TABLE absences (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  person_id uuid NOT NULL REFERENCES persons(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  kind text NOT NULL CHECK (kind IN ('court', 'hospital', 'leave', 'escape')),
  destination text,
  reason text NOT NULL,
  order_id uuid REFERENCES judicial_orders(id),
  out_at timestamptz NOT NULL,
  expected_back_at timestamptz,
  back_at timestamptz,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  back_recorded_by uuid REFERENCES users(id),
  version integer NOT NULL DEFAULT 1,
  CHECK (back_at IS NULL OR back_at >= out_at),
  EXCLUDE USING gist (episode_id WITH =, tstzrange(out_at, back_at) WITH &&)
);
CREATE INDEX absences_open_idx ON absences (facility_code) WHERE back_at IS NULL;
CREATE INDEX absences_period_idx ON absences (facility_code, out_at, back_at);

-- Releases: recorded by one officer on a verified release order, confirmed by a different one
-- before the person leaves.
CREATE TABLE releases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  person_id uuid NOT NULL REFERENCES persons(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  order_id uuid REFERENCES judicial_orders(id),
  reason text NOT NULL CHECK (reason IN ('court_order', 'sentence_served', 'conditional_release', 'bail', 'transfer_abroad', 'other')),
  status text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'confirmed', 'cancelled')),
  planned_at timestamptz NOT NULL,
  recorded_by uuid NOT NULL REFERENCES users(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  confirmed_by uuid REFERENCES users(id),
  confirmed_at timestamptz,
  property_returned boolean NOT NULL DEFAULT false,
  notes text,
  version integer NOT NULL DEFAULT 1,
  CHECK (confirmed_by IS NULL OR confirmed_by <> recorded_by)
);
CREATE UNIQUE INDEX releases_one_pending ON releases (episode_id) WHERE status = 'recorded';
CREATE INDEX releases_facility_idx ON releases (facility_code, status);

-- The roll: the count a duty officer enters for a unit, against who should be present.
CREATE TABLE roll_counts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  facility_code text NOT NULL REFERENCES facilities(code),
  unit_id uuid NOT NULL REFERENCES units(id),
  counted_at timestamptz NOT NULL,
  expected_present integer NOT NULL CHECK (expected_present >= 0),
  counted integer NOT NULL CHECK (counted >= 0),
  notes text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid NOT NULL REFERENCES users(id)
);
CREATE INDEX roll_counts_unit_idx ON roll_counts (unit_id, counted_at DESC);

-- Death in custody (Mandela Rules 69–72): the case and its checklist, open until every item
-- is closed with evidence.
CREATE TABLE death_cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  died_at timestamptz NOT NULL,
  place text NOT NULL,
  circumstances text NOT NULL,
  cause_category text CHECK (cause_category IN ('homicide', 'suicide', 'natural', 'accident', 'other', 'undetermined')),
  recorded_by uuid NOT NULL REFERENCES users(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX death_cases_episode ON death_cases (episode_id);

CREATE TABLE death_checklist_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES death_cases(id),
  item text NOT NULL CHECK (item IN ('notify_next_of_kin', 'notify_independent_authority', 'preserve_evidence', 'medical_report', 'return_remains')),
  owner_role text NOT NULL,
  owner_user_id uuid REFERENCES users(id),
  due_at timestamptz NOT NULL,
  completed_at timestamptz,
  completed_by uuid REFERENCES users(id),
  evidence text,
  evidence_file_id uuid REFERENCES stored_files(id),
  version integer NOT NULL DEFAULT 1,
  UNIQUE (case_id, item),
  CHECK ((completed_at IS NULL) = (evidence IS NULL))
);

INSERT INTO alert_types (code, name_es, name_en, default_severity, recipient_role, acknowledge_within_hours) VALUES
  ('death_in_custody', 'Muerte bajo custodia: lista de verificación abierta', 'Death in custody: checklist open', 'critical', 'director', 2),
  ('roll_discrepancy', 'Diferencia en el conteo', 'Roll count discrepancy', 'high', 'director', 2),
  ('separation_override', 'Ubicación con excepción a la separación', 'Placement overriding separation', 'medium', 'director', 24),
  ('escape', 'Evasión', 'Escape', 'critical', 'director', 1);
