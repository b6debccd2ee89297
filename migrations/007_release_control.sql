-- Release control (issue 6): the alerts the daily control raises once only. A pretrial-limit
-- alert is raised once per custody episode and threshold (days), a release-due alert once per
-- episode and end date, however often the control runs and on however many servers: the
-- notice row is inserted first (ON CONFLICT DO NOTHING) and the alerts only when it was new.
CREATE TABLE release_control_notices (
  episode_id uuid NOT NULL REFERENCES custody_episodes(id),
  kind text NOT NULL CHECK (kind IN ('pretrial_limit', 'release_due')),
  -- The threshold in days (pretrial_limit) or the end date (release_due).
  key text NOT NULL,
  person_id uuid NOT NULL REFERENCES persons(id),
  computation_id uuid REFERENCES sentence_computations(id),
  raised_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (episode_id, kind, key)
);
CREATE INDEX release_control_notices_person_idx ON release_control_notices (person_id);

-- The explanation of the current computation is looked up per computation on the red list.
CREATE INDEX overdue_explanations_computation_idx ON overdue_explanations (computation_id, explained_at DESC);
