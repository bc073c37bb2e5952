CREATE TABLE "provider_settings" (
	"id" text PRIMARY KEY NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "account" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "account_secrets" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
-- Providers as plugins: Google's company settings (client, default token, pace) become the google provider's.
INSERT INTO "provider_settings" ("id", "settings", "secrets")
SELECT 'google',
       jsonb_build_object('clientId', "google_client_id", 'requestsPerMinute', "google_requests_per_minute"),
       jsonb_strip_nulls(jsonb_build_object('clientSecret', "google_client_secret_enc", 'defaultRefreshToken', "default_refresh_token_enc"))
FROM "settings" WHERE "id" = 1;
--> statement-breakpoint
-- An operator's account: CalDAV's address, user name and password; Google's own refresh token. Sealed values move as they are.
UPDATE "operators" SET
  "account" = CASE WHEN "provider" = 'caldav' THEN jsonb_strip_nulls(jsonb_build_object('url', "caldav_url", 'username', "caldav_username")) ELSE '{}'::jsonb END,
  "account_secrets" = CASE WHEN "provider" = 'caldav' THEN jsonb_strip_nulls(jsonb_build_object('password', "caldav_password_enc"))
                           ELSE jsonb_strip_nulls(jsonb_build_object('refreshToken', "refresh_token_enc")) END;
--> statement-breakpoint
CREATE TRIGGER provider_settings_notify AFTER INSERT OR UPDATE OR DELETE ON "provider_settings" FOR EACH ROW EXECUTE FUNCTION taskcal_config_notify();
