-- Threshold alert rules (DESIGN §5.6). The rule body is kept as given (durations as text).
CREATE TABLE "alert_rules" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- One row per alert: (rule, segment value; '' for a whole-model rule). Written only by the
-- evaluator (the advisory-lock holder), so state survives restarts and moves with the lock.
CREATE TABLE "alert_state" (
    "rule_id" UUID NOT NULL,
    "segment_value" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "labels" JSONB NOT NULL,
    "annotations" JSONB NOT NULL,
    "value" DOUBLE PRECISION,
    "no_data" BOOLEAN NOT NULL DEFAULT false,
    "active_since" TIMESTAMPTZ,
    "fired_at" TIMESTAMPTZ,
    "last_true_at" TIMESTAMPTZ,
    "last_sent_at" TIMESTAMPTZ,
    "evaluated_at" TIMESTAMPTZ NOT NULL,

    CONSTRAINT "alert_state_pkey" PRIMARY KEY ("rule_id", "segment_value"),
    CONSTRAINT "alert_state_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "webhooks_name_key" ON "webhooks"("name");

-- The delivery outbox: written in the evaluator's transaction with the state change it reports,
-- delivered at least once. webhook_id NULL = the Alertmanager of PLUMBLINE_ALERTMANAGER_URL.
-- A claim sets claimed_until (a lease) so that no two deliverers send the same row at once.
CREATE TABLE "alert_outbox" (
    "id" BIGSERIAL NOT NULL,
    "webhook_id" UUID,
    "rule_id" UUID,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimed_until" TIMESTAMPTZ,
    "delivered_at" TIMESTAMPTZ,
    "gave_up_at" TIMESTAMPTZ,
    "last_error" TEXT,

    CONSTRAINT "alert_outbox_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "alert_outbox_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "alert_outbox_due_idx" ON "alert_outbox"("next_attempt_at") WHERE "delivered_at" IS NULL AND "gave_up_at" IS NULL;

-- Deliveries of one (rule, webhook) go out in order: the claim looks for an older unfinished row.
CREATE INDEX "alert_outbox_order_idx" ON "alert_outbox"("rule_id", "webhook_id", "id") WHERE "delivered_at" IS NULL AND "gave_up_at" IS NULL;
