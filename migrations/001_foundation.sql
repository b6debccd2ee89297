-- Foundation: settings, accounts, sessions, tokens, idempotency, facilities with capacity
-- history, and the append-only audit trail.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Facts about this database itself (for example whether it is a demo).
CREATE TABLE app_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
  display_name text NOT NULL,
  password_hash text,
  must_change_password boolean NOT NULL DEFAULT false,
  language text NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'en')),
  national_scope boolean NOT NULL DEFAULT false,
  totp_secret_enc text,
  totp_enabled_at timestamptz,
  totp_last_step bigint,
  failed_logins integer NOT NULL DEFAULT 0,
  last_failed_at timestamptz,
  locked_until timestamptz,
  failed_since_last_login integer NOT NULL DEFAULT 0,
  last_login_at timestamptz,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE user_roles (
  user_id uuid NOT NULL REFERENCES users(id),
  role text NOT NULL,
  PRIMARY KEY (user_id, role)
);

-- Policy per role (second factor required or not); editable by administrators.
CREATE TABLE role_policies (
  role text PRIMARY KEY,
  mfa_required boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id),
  csrf_token text NOT NULL,
  -- 'mfa_pending' after a correct password while the second factor is still to be given
  stage text NOT NULL DEFAULT 'active' CHECK (stage IN ('active', 'mfa_pending')),
  -- failed sign-ins since the previous sign-in, shown to the user once signed in
  failed_before integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  ip text,
  user_agent text,
  ended_at timestamptz,
  end_reason text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id),
  label text NOT NULL DEFAULT '',
  token_hash text NOT NULL UNIQUE,
  token_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES users(id),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES users(id)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- A create request repeated with the same Idempotency-Key returns the first response.
CREATE TABLE idempotency_keys (
  actor_id uuid NOT NULL,
  key text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  request_hash text NOT NULL,
  status_code integer NOT NULL,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (actor_id, key)
);

CREATE TABLE facilities (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}-[A-Z0-9]{2,5}$'),
  name text NOT NULL,
  province text NOT NULL,
  population_group text NOT NULL CHECK (population_group IN ('men', 'women', 'mixed')),
  security_level text,
  published_population integer,
  published_population_as_of text,
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);

CREATE TABLE user_facilities (
  user_id uuid NOT NULL REFERENCES users(id),
  facility_code text NOT NULL REFERENCES facilities(code),
  PRIMARY KEY (user_id, facility_code)
);

CREATE TABLE units (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  facility_code text NOT NULL REFERENCES facilities(code),
  code text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('reception', 'general', 'pretrial', 'sentenced', 'young_adults', 'maximum', 'health', 'mothers', 'prerelease')),
  synthetic boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (facility_code, code)
);

CREATE TABLE cells (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  unit_id uuid NOT NULL REFERENCES units(id),
  code text NOT NULL,
  synthetic boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (unit_id, code)
);

-- Capacity is effective-dated and never overwritten: the value on a date is the entry with
-- the latest effective_from on or before it (ties: the latest recorded). A correction is a
-- new entry with its reason.
CREATE TABLE capacity_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  facility_code text NOT NULL REFERENCES facilities(code),
  unit_id uuid REFERENCES units(id),
  cell_id uuid REFERENCES cells(id),
  capacity integer CHECK (capacity >= 0),
  source text NOT NULL CHECK (source IN ('official', 'synthetic', 'operational')),
  effective_from date NOT NULL,
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by uuid REFERENCES users(id),
  CHECK (cell_id IS NULL OR unit_id IS NOT NULL)
);
CREATE INDEX capacity_history_target_idx ON capacity_history (facility_code, unit_id, cell_id, effective_from DESC, recorded_at DESC);

-- The audit trail. Written in the same transaction as the change or read it records;
-- the database refuses to change or delete it.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz(3) NOT NULL,
  actor_id uuid,
  actor_name text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text,
  facility_code text,
  person_id uuid,
  before_value jsonb,
  after_value jsonb,
  details jsonb,
  request_id text,
  source_ip text
);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
CREATE INDEX audit_log_person_idx ON audit_log (person_id) WHERE person_id IS NOT NULL;

-- The keyed hash chain over the audit entries, appended by the sealer shortly after commit.
-- Its order is the order of sealing, so an entry whose transaction commits late is simply
-- sealed later.
CREATE TABLE audit_chain (
  seq bigint PRIMARY KEY,
  entry_id bigint NOT NULL UNIQUE REFERENCES audit_log(id),
  prev_hash text NOT NULL,
  hash text NOT NULL,
  sealed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
