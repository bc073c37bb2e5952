// What the API needs of a running engine: controls for actors and the push
// notices providers send. Everything it reads comes from db/queries instead.
import type { PushNotice } from "../adapters/provider.js";
import type { ActorStateName } from "../db/enums.js";

export type ActorCommand = "sync" | "restart" | "pause" | "resume" | "resync" | "retry-failures";

export interface EngineControl {
  /** The state right after the command, or null when no actor runs for that binding here. */
  command(bindingId: string, command: ActorCommand): Promise<ActorStateName | null>;
  /** A provider's push notice: true when it names a live channel of ours and its token checks out. */
  pushNotice(notice: PushNotice): Promise<boolean>;
}
