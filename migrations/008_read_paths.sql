-- Indexes for the reads the national benchmark found slow (issue 7), each for a query that
-- otherwise read a whole table at scale 1 (152,000 persons, 32,000 redemption records, 10,000
-- transfers; ten times that at scale 10).

-- The roll and the housing board read a centre's open placements by centre (before: every
-- open placement in the country, then a join with the centre's units).
CREATE INDEX placements_facility_open_idx ON placements (facility_code) WHERE valid_to IS NULL;
-- ... which holds only if a placement's centre is its unit's centre: writers always did so;
-- now the database says it too.
ALTER TABLE units ADD CONSTRAINT units_id_facility_key UNIQUE (id, facility_code);
ALTER TABLE placements ADD CONSTRAINT placements_unit_facility_fkey FOREIGN KEY (unit_id, facility_code) REFERENCES units (id, facility_code);

-- The person page's redemption section and /persons/:id/redemption (before: a sequential scan
-- of every record in the country on every person page).
CREATE INDEX redemption_records_person_idx ON redemption_records (person_id, period_from DESC);

-- The transfers list, newest first, limited (before: every transfer sorted).
CREATE INDEX transfers_requested_idx ON transfers (requested_at DESC, id);
