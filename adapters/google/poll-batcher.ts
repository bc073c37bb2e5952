// Quiet polls of every account of one Google project, carried together in
// Google's batch requests: at 10,000 bindings polling every minute, writing
// one HTTP request per poll to the socket was the largest single cost of the
// idle service (`node --cpu-prof`, issue 18). Google still counts every call of
// a batch against quota, so pacing is unchanged: polls take their pacer slots
// before they join one. The batch changes the transport only: a part's answer
// is the answer the poll's own GET would have had, and a poll whose part is
// missing or unreadable, or whose whole batch failed, is sent alone.
import { randomBytes } from "node:crypto";
import { type BatchedGet, batchAnswers, batchBody, multipartBoundary } from "./batch-multipart.js";
import { exchange, getJson, refusalOf } from "./lean-get.js";

/** How long polls are gathered before a batch goes (GOOGLE_POLL_BATCH_WINDOW_MS); 0: every poll goes alone. */
export const DEFAULT_POLL_BATCH_WINDOW_MS = 100;
/** Google takes up to 1,000 calls in a batch; smaller ones keep one slow batch from holding many polls. */
const MAX_PARTS = 50;

interface Waiting extends BatchedGet {
  url: URL;
  resolve(answer: { data: unknown }): void;
  reject(error: unknown): void;
}

export class PollBatcher {
  private readonly batchUrl: URL;
  private pending: Waiting[] = [];
  /** Set while a window is open: polls that come meanwhile wait for its end. */
  private window: NodeJS.Timeout | undefined;
  private nextId = 0;

  constructor(
    apiRootUrl: string,
    private readonly windowMs: number,
    private readonly timeoutMs: number,
  ) {
    this.batchUrl = new URL("batch/calendar/v3", apiRootUrl);
  }

  /**
   * The poll's GET of `url`. The first poll after a quiet spell goes at once
   * (a pull a push notice asked for does not wait) and opens a window; polls
   * that come while it is open go together when it ends, or when enough have
   * come to fill a batch.
   */
  get<T>(url: URL, accessToken: string): Promise<{ data: T }> {
    if (this.windowMs <= 0) return getJson<T>(url, accessToken, this.timeoutMs);
    if (!this.window) {
      this.openWindow();
      return getJson<T>(url, accessToken, this.timeoutMs);
    }
    return new Promise((resolve, reject) => {
      const id = `poll-${++this.nextId}`;
      this.pending.push({ id, url, target: url.pathname + url.search, accessToken, resolve: resolve as Waiting["resolve"], reject });
      if (this.pending.length >= MAX_PARTS) this.flush();
    });
  }

  private openWindow(): void {
    this.window = setTimeout(() => {
      this.window = undefined;
      // Polls still coming: the next window opens now, so none of them goes alone at once.
      if (this.pending.length > 0) {
        this.flush();
        this.openWindow();
      }
    }, this.windowMs);
  }

  private flush(): void {
    const polls = this.pending;
    this.pending = [];
    if (polls.length === 1) this.alone(polls[0]);
    else void this.send(polls);
  }

  private alone(poll: Waiting): void {
    getJson(poll.url, poll.accessToken, this.timeoutMs).then(poll.resolve, poll.reject);
  }

  private async send(polls: Waiting[]): Promise<void> {
    const boundary = `batch_${randomBytes(9).toString("base64url")}`;
    const body = batchBody(boundary, polls);
    let answers: ReturnType<typeof batchAnswers> | undefined;
    try {
      const answer = await exchange(
        this.batchUrl,
        "POST",
        { "content-type": `multipart/mixed; boundary=${boundary}`, "content-length": String(Buffer.byteLength(body)) },
        body,
        this.timeoutMs,
      );
      const answerBoundary = answer.status === 200 ? multipartBoundary(answer.headers["content-type"]) : undefined;
      if (answerBoundary) answers = batchAnswers(answerBoundary, answer.text);
    } catch {
      // No answer to the batch: each poll is sent alone (below).
    }
    for (const poll of polls) {
      const answer = answers?.get(poll.id);
      if (answer && (answer.status < 200 || answer.status >= 300)) {
        // A refusal (401, 403, 410, 429, ...) is the poll's own answer: it ends as the single GET's would.
        poll.reject(refusalOf(answer));
        continue;
      }
      const data = answer && readJson(answer.text);
      if (data === undefined) this.alone(poll);
      else poll.resolve({ data });
    }
  }
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
