-- Configuration changes made through the API (GET /api/audit), newest read first.
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"token_kind" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"resource" text NOT NULL,
	"resource_id" text,
	"change" jsonb
);
