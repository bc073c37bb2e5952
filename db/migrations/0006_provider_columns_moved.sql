ALTER TABLE "operators" DROP COLUMN "refresh_token_enc";--> statement-breakpoint
ALTER TABLE "operators" DROP COLUMN "caldav_url";--> statement-breakpoint
ALTER TABLE "operators" DROP COLUMN "caldav_username";--> statement-breakpoint
ALTER TABLE "operators" DROP COLUMN "caldav_password_enc";--> statement-breakpoint
ALTER TABLE "settings" DROP COLUMN "google_client_id";--> statement-breakpoint
ALTER TABLE "settings" DROP COLUMN "google_client_secret_enc";--> statement-breakpoint
ALTER TABLE "settings" DROP COLUMN "default_refresh_token_enc";--> statement-breakpoint
ALTER TABLE "settings" DROP COLUMN "google_requests_per_minute";