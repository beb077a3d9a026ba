-- Read models: tables derived from the events by the projector (projections/projector.py), never a source of
-- truth. Each can be emptied and rebuilt from the log (`gmts projections rebuild`). The projector writes a batch's
-- rows and its checkpoint in one transaction, so the tables always equal the fold of the log up to the checkpoint.

-- One row per enrolled trainee: where the journey stands, as `fold` of the trainee's stream says.
CREATE TABLE trainee_progress (
    trainee_id             text PRIMARY KEY,
    stream_id              text NOT NULL UNIQUE,
    name                   text NOT NULL,
    cohort                 text NOT NULL,
    specialism             text NOT NULL,
    programme_manager_id   text NOT NULL,
    current_placement_id   text,                 -- null between placements
    placement_manager_id   text,                 -- of the current placement
    outcome                text NOT NULL,        -- domain.state.Outcome: active | withdrawn | graduated
    achieved               integer NOT NULL CHECK (achieved >= 0),
    applicable             integer NOT NULL CHECK (applicable >= 0),
    percent                numeric(4, 1) NOT NULL CHECK (percent BETWEEN 0 AND 100),
    year_one_at_risk       boolean,              -- null until the year-one milestone is assessed
    year_one_questionable  boolean,              -- null until the year-one milestone is assessed
    graduated_on           date,
    last_event_version     bigint NOT NULL CHECK (last_event_version >= 1),
    last_recorded_at       timestamptz NOT NULL  -- when the last event folded in was recorded: "as of"
);

CREATE INDEX trainee_progress_by_cohort ON trainee_progress (cohort, trainee_id);
CREATE INDEX trainee_progress_at_risk ON trainee_progress (cohort, trainee_id) WHERE year_one_at_risk;

-- One row per sign-off request still waiting for an answer (a sign-off of its competency or a decline).
CREATE TABLE pending_sign_offs (
    request_id     uuid PRIMARY KEY,
    trainee_id     text NOT NULL REFERENCES trainee_progress (trainee_id) ON DELETE CASCADE,
    competency_id  text NOT NULL,
    assigned_to    text NOT NULL,
    requested_at   timestamptz NOT NULL
);

CREATE INDEX pending_sign_offs_by_assignee ON pending_sign_offs (assigned_to, requested_at, request_id);
CREATE INDEX pending_sign_offs_by_trainee ON pending_sign_offs (trainee_id);

-- One row per graduated trainee, for HR.
CREATE TABLE graduations (
    trainee_id           text PRIMARY KEY REFERENCES trainee_progress (trainee_id) ON DELETE CASCADE,
    name                 text NOT NULL,
    cohort               text NOT NULL,
    specialism           text NOT NULL,
    graduated_on         date NOT NULL,
    graduation_event_id  uuid NOT NULL UNIQUE
);

CREATE INDEX graduations_by_date ON graduations (graduated_on, trainee_id);

-- Where each projector is in the global log (eventstore/log.py: after this transaction id and position).
-- Written in the same transaction as the read-model rows it accounts for.
CREATE TABLE projection_checkpoints (
    projector        text PRIMARY KEY,
    transaction_id   bigint NOT NULL CHECK (transaction_id >= 0),
    global_position  bigint NOT NULL CHECK (global_position >= 0),
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
