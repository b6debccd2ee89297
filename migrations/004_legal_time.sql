-- Legal time from the records: the offence catalogue, criminal cases and their charges, court
-- hearings, the new kinds of verified order (sentences, provisional custody outside prison,
-- non-custodial measures, sentence reductions, credit for earlier custody), the redemption
-- ledger, and the stored sentence computations with every move of a date.
--
-- Every order keeps the four-eyes rule of judicial_orders (registered by one user, verified by
-- another); the detail tables below hang off an order and mean nothing until it is verified.

-- The offence catalogue (Código Penal). Administrators maintain it; a charge names an entry.
CREATE TABLE offences (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9.-]{0,31}$'),
  article text NOT NULL,
  name_es text NOT NULL,
  name_en text NOT NULL,
  category text NOT NULL CHECK (category IN ('life_and_integrity', 'sexual', 'property', 'economic', 'drugs', 'public_security', 'public_administration', 'family', 'public_faith', 'environment', 'other')),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);

-- A criminal case a person is held for, within one custody episode. The same case number can
-- recur in a later episode (a credit order then links the custody of both).
CREATE TABLE criminal_cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  authority_kind text NOT NULL CHECK (authority_kind IN ('court', 'prosecutor')),
  authority_name text NOT NULL,
  case_number text NOT NULL,
  judge_name text,
  defence_kind text NOT NULL DEFAULT 'unknown' CHECK (defence_kind IN ('public_defender', 'private_lawyer', 'unknown')),
  defence_name text,
  stage text NOT NULL CHECK (stage IN ('investigation', 'trial', 'first_instance', 'appeal', 'final')),
  -- A case stops holding the person when it is closed (acquittal, dismissal, detention lifted,
  -- sentence served); the release check reads this.
  closed_on date,
  closure_reason text CHECK (closure_reason IN ('acquitted', 'dismissed', 'detention_lifted', 'sentence_served', 'other')),
  closure_order_id uuid REFERENCES judicial_orders(id),
  opened_at timestamptz NOT NULL DEFAULT now(),
  opened_by uuid REFERENCES users(id),
  version integer NOT NULL DEFAULT 1,
  CHECK ((closed_on IS NULL) = (closure_reason IS NULL)),
  UNIQUE (episode_id, authority_kind, case_number)
);
CREATE INDEX criminal_cases_person_idx ON criminal_cases (person_id, opened_at DESC);
CREATE INDEX criminal_cases_open_idx ON criminal_cases (episode_id) WHERE closed_on IS NULL;
CREATE INDEX criminal_cases_number_idx ON criminal_cases (case_number);

CREATE TABLE case_charges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES criminal_cases(id),
  offence_code text NOT NULL REFERENCES offences(code),
  counts integer NOT NULL DEFAULT 1 CHECK (counts BETWEEN 1 AND 999),
  attempted boolean NOT NULL DEFAULT false,
  notes text,
  added_at timestamptz NOT NULL DEFAULT now(),
  added_by uuid REFERENCES users(id),
  withdrawn_at timestamptz,
  withdrawn_by uuid REFERENCES users(id)
);
CREATE INDEX case_charges_case_idx ON case_charges (case_id);

-- Court hearings: the daily list of people to take to court comes from here; taking someone
-- records the court absence (a court_out movement) and links it.
CREATE TABLE court_hearings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES criminal_cases(id),
  person_id uuid NOT NULL REFERENCES persons(id),
  scheduled_at timestamptz NOT NULL,
  court text NOT NULL,
  purpose text NOT NULL,
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'taken', 'held', 'postponed', 'cancelled')),
  absence_id uuid REFERENCES absences(id),
  outcome text,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES users(id),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX court_hearings_day_idx ON court_hearings (scheduled_at) WHERE status IN ('scheduled', 'taken');
CREATE INDEX court_hearings_person_idx ON court_hearings (person_id, scheduled_at DESC);
CREATE INDEX court_hearings_case_idx ON court_hearings (case_id);

-- More kinds of judicial order, all under the same four-eyes rule.
ALTER TABLE judicial_orders DROP CONSTRAINT judicial_orders_kind_check;
ALTER TABLE judicial_orders ADD CONSTRAINT judicial_orders_kind_check CHECK (kind IN (
  'commitment', 'release', 'sentence', 'provisional_custody', 'measure', 'reduction', 'custody_credit'));
ALTER TABLE judicial_orders ADD COLUMN case_id uuid REFERENCES criminal_cases(id);
CREATE INDEX judicial_orders_case_id_idx ON judicial_orders (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX judicial_orders_person_kind_idx ON judicial_orders (person_id, kind, status);

-- A sentence (years, months, days), concurrent or consecutive to an earlier one.
CREATE TABLE sentence_orders (
  order_id uuid PRIMARY KEY REFERENCES judicial_orders(id),
  case_id uuid NOT NULL REFERENCES criminal_cases(id),
  years integer NOT NULL CHECK (years BETWEEN 0 AND 100),
  months integer NOT NULL CHECK (months BETWEEN 0 AND 1200),
  days integer NOT NULL CHECK (days BETWEEN 0 AND 36500),
  relation text NOT NULL CHECK (relation IN ('concurrent', 'consecutive')),
  consecutive_to uuid REFERENCES sentence_orders(order_id),
  sentenced_on date NOT NULL,
  court text NOT NULL,
  -- A verified order may name the rule set to apply; otherwise the one in force on the
  -- computation date.
  rule_set_id text,
  CHECK (years + months + days > 0),
  CHECK ((relation = 'consecutive') = (consecutive_to IS NOT NULL)),
  CHECK (consecutive_to IS NULL OR consecutive_to <> order_id)
);
CREATE INDEX sentence_orders_case_idx ON sentence_orders (case_id);

-- Custody outside prison credited day for day (house arrest, hospital; CPP art. 231), and
-- custody served in an earlier episode for the same case.
CREATE TABLE custody_credit_orders (
  order_id uuid PRIMARY KEY REFERENCES judicial_orders(id),
  case_id uuid REFERENCES criminal_cases(id),
  custody_kind text NOT NULL CHECK (custody_kind IN ('house_arrest', 'hospital', 'earlier_episode')),
  from_date date NOT NULL,
  to_date date NOT NULL,
  source_episode_id uuid REFERENCES custody_episodes(id),
  CHECK (to_date >= from_date),
  CHECK ((custody_kind = 'earlier_episode') = (source_episode_id IS NOT NULL))
);

-- Non-custodial measures that earn credit (CPP art. 232).
CREATE TABLE measure_orders (
  order_id uuid PRIMARY KEY REFERENCES judicial_orders(id),
  case_id uuid REFERENCES criminal_cases(id),
  measure_kind text NOT NULL CHECK (measure_kind IN ('periodic_reporting', 'territorial_restriction')),
  appearances integer CHECK (appearances BETWEEN 1 AND 100000),
  from_date date,
  to_date date,
  CHECK (measure_kind <> 'periodic_reporting' OR appearances IS NOT NULL),
  CHECK (measure_kind <> 'territorial_restriction' OR (from_date IS NOT NULL AND to_date IS NOT NULL AND to_date >= from_date))
);

-- Executive sentence reductions (rebaja de pena) by decree.
CREATE TABLE reduction_orders (
  order_id uuid PRIMARY KEY REFERENCES judicial_orders(id),
  days integer NOT NULL CHECK (days BETWEEN 1 AND 36500),
  decree_number text NOT NULL,
  decree_date date NOT NULL
);

-- The redemption ledger: work, study and teaching per person and period. Certified by the
-- centre, evaluated by the Junta Técnica, decided by the Juez de Cumplimiento. Only approved
-- records count; the others are projected. Refused records are kept, never deleted.
CREATE TABLE redemption_records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  activity_kind text NOT NULL CHECK (activity_kind IN ('work', 'study', 'teaching')),
  programme text NOT NULL,
  period_from date NOT NULL,
  period_to date NOT NULL,
  days integer CHECK (days BETWEEN 0 AND 366),
  hours integer CHECK (hours BETWEEN 0 AND 8784),
  status text NOT NULL DEFAULT 'certified' CHECK (status IN ('certified', 'evaluated', 'approved', 'refused')),
  certified_by uuid NOT NULL REFERENCES users(id),
  certified_at timestamptz NOT NULL DEFAULT now(),
  evaluated_by uuid REFERENCES users(id),
  evaluated_at timestamptz,
  evaluation text CHECK (evaluation IN ('favourable', 'unfavourable')),
  evaluation_note text,
  decided_by uuid REFERENCES users(id),
  decided_at timestamptz,
  decision_reference text,
  decision_date date,
  decision_note text,
  version integer NOT NULL DEFAULT 1,
  CHECK (period_to >= period_from),
  CHECK ((activity_kind = 'teaching') = (hours IS NOT NULL) AND (activity_kind = 'teaching') = (days IS NULL)),
  CHECK ((evaluated_by IS NULL) = (evaluation IS NULL)),
  CHECK ((status IN ('approved', 'refused')) = (decided_by IS NOT NULL)),
  CHECK (decided_by IS NULL OR decision_reference IS NOT NULL),
  -- Two records of one person may not cover the same day (the engine refuses overlaps too).
  EXCLUDE USING gist (person_id WITH =, daterange(period_from, period_to, '[]') WITH &&) WHERE (status <> 'refused')
);
CREATE INDEX redemption_records_episode_idx ON redemption_records (episode_id, period_from);
CREATE INDEX redemption_records_pending_idx ON redemption_records (facility_code, status) WHERE status IN ('certified', 'evaluated');

-- Stored computations: the engine's input built from the records, its result, the rule set,
-- and why it was computed. One current computation per person (superseded ones are kept).
CREATE TABLE sentence_computations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  status text NOT NULL CHECK (status IN ('sentenced', 'pretrial')),
  as_of date NOT NULL,
  rule_set_id text NOT NULL,
  input jsonb NOT NULL,
  result jsonb NOT NULL,
  start_date date,
  one_third_date date,
  two_thirds_date date,
  expiry_date date,
  pretrial_alert_date date,
  cause text NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  computed_by uuid REFERENCES users(id),
  superseded_at timestamptz,
  -- A release at the end of the sentence needs the computation confirmed by a legal user
  -- other than whoever registered the sentence.
  confirmed_by uuid REFERENCES users(id),
  confirmed_at timestamptz
);
CREATE UNIQUE INDEX sentence_computations_current ON sentence_computations (person_id) WHERE superseded_at IS NULL;
CREATE INDEX sentence_computations_expiry_idx ON sentence_computations (expiry_date) WHERE superseded_at IS NULL AND status = 'sentenced';
CREATE INDEX sentence_computations_two_thirds_idx ON sentence_computations (two_thirds_date) WHERE superseded_at IS NULL AND status = 'sentenced';
CREATE INDEX sentence_computations_pretrial_idx ON sentence_computations (pretrial_alert_date) WHERE superseded_at IS NULL AND status = 'pretrial';
CREATE INDEX sentence_computations_person_idx ON sentence_computations (person_id, computed_at DESC);

-- Every move of a date, with its cause (also in the audit log).
CREATE TABLE sentence_date_changes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  computation_id uuid NOT NULL REFERENCES sentence_computations(id),
  field text NOT NULL CHECK (field IN ('start_date', 'one_third_date', 'two_thirds_date', 'expiry_date', 'pretrial_alert_date')),
  old_date date,
  new_date date,
  cause text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by uuid REFERENCES users(id)
);
CREATE INDEX sentence_date_changes_person_idx ON sentence_date_changes (person_id, changed_at DESC);

-- Why someone past the end date is still held (another case, an order on its way): the red
-- alert stays until release or an explanation like this.
CREATE TABLE overdue_explanations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES persons(id),
  computation_id uuid NOT NULL REFERENCES sentence_computations(id),
  explanation text NOT NULL,
  explained_by uuid NOT NULL REFERENCES users(id),
  explained_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX overdue_explanations_person_idx ON overdue_explanations (person_id, explained_at DESC);

INSERT INTO alert_types (code, name_es, name_en, default_severity, recipient_role, acknowledge_within_hours) VALUES
  ('pretrial_limit', 'Detención provisional: plazo alcanzado', 'Pretrial detention: time limit reached', 'high', 'legal', 48),
  ('release_overdue', 'Persona retenida después de la fecha de cumplimiento', 'Person held past the sentence end date', 'critical', 'director', 2),
  ('release_due', 'Libertad por cumplimiento de pena: vence hoy', 'Release at end of sentence: due today', 'high', 'legal', 8);
