// Pacing of many accounts together: Google counts every call against the
// OAuth client's project as well as against its account (10,000 a minute per
// project by default). A call waits for its account's pacer, then for the
// project's. At the project's, polls wait behind every other call (writes, and
// the reads of start-ups and of passes under way): when the budget is short
// the polls stretch, and the writes and start-ups do not.
import type { CallPriority, Pacer } from "./pacer.js";

/**
 * Resolves when the call may go: a slot of its account's pacer first, then one
 * of the project's (if any). In this order a call waiting on the project never
 * holds a project slot its account could not use yet. The project's pacer sees
 * polls as its `read`s and every other call as a `write`.
 */
export async function acquireSlots(account: Pacer, project: Pacer | undefined, priority: CallPriority, poll = false): Promise<void> {
  await account.acquire(priority);
  await project?.acquire(poll ? "read" : "write");
}
