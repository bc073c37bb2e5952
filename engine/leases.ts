// This replica's share of the bindings. Every heartbeat it renews the leases
// it holds, claims free ones up to its fair share (syncing bindings ÷ live
// replicas) and sheds a few above it, so a replica that joins gets its share
// in a handful of beats without a stampede. A lease it failed to renew in
// time is lost: its actor stops at once (another replica may run it already,
// and the database refuses its writes anyway). On PGlite the one process is
// the one replica and holds every lease.
import type { Logger } from "pino";
import type { Db, Notifier } from "../db/database.js";
import { claimLeases, forgetOtherReplicas, forgetReplica, heartbeat, notify, releaseLeases, renewLeases, shareCounts } from "../db/queries/leases.js";

/** Where replicas tell each other that leases were freed, or that one joined: the others look at their share at once. */
export const LEASES_CHANNEL = "taskcal_leases";

/** A replica above its fair share gives up at most this part of the share per beat. */
const SHED_PART = 4;

export interface LeaseSettings {
  replica: { id: string; name: string };
  ttlSeconds: number;
  heartbeatSeconds: number;
  /** The database is this process's own (PGlite): no other replica can be alive. */
  solo?: boolean;
}

export interface LeaseEvents {
  /** Leases claimed: their actors may start. */
  gained(bindingIds: string[]): Promise<void>;
  /** Leases found gone (expired, claimed by another): their actors stop now. */
  lost(bindingIds: string[]): Promise<void>;
  /** Leases about to be given up: their actors stop first, so their last writes land under the lease. */
  releasing(bindingIds: string[]): Promise<void>;
}

export class Leases {
  /** Binding id → the epoch this replica claimed its lease at. */
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  /** Leases being given up (their actors stopping first), off the beat so renewals never wait for it. */
  private shedding: Promise<void> = Promise.resolve();
  private unlisten: (() => Promise<void>) | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly notifier: Notifier,
    private readonly settings: LeaseSettings,
    private readonly events: LeaseEvents,
    private readonly logger: Logger,
  ) {}

  get replicaId(): string {
    return this.settings.replica.id;
  }

  owns(bindingId: string): boolean {
    return this.held.has(bindingId);
  }

  /** Joins: the first beat claims this replica's share; the others hear of it and shed theirs. */
  async start(): Promise<void> {
    this.unlisten = await this.notifier.listen(LEASES_CHANNEL, (from) => {
      if (from !== this.replicaId) this.beatSoon();
    });
    if (this.settings.solo) await forgetOtherReplicas(this.db, this.replicaId);
    // On the chain like every beat: two beats at once would each take the other's claims for lost leases.
    this.beating = this.beating.then(() => this.beat(true));
    await this.beating;
    await notify(this.db, LEASES_CHANNEL, this.replicaId).catch(() => {});
    this.schedule();
  }

  /** Leaves: actors stop, every lease is released and the replica's row goes, so the others take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.unlisten?.().catch(() => {});
    await this.beating.catch(() => {});
    await this.shedding;
    const all = [...this.held.keys()];
    await this.events.releasing(all);
    this.held.clear();
    try {
      await releaseLeases(this.db, this.replicaId, all);
      await forgetReplica(this.db, this.replicaId);
      await notify(this.db, LEASES_CHANNEL, this.replicaId);
    } catch (error) {
      this.logger.warn({ err: error }, "could not release the leases; they expire on their own");
    }
  }

  /** Beats keep their rhythm: a slow beat shortens the wait for the next, so renewals never drift toward the TTL. */
  private schedule(ms = this.settings.heartbeatSeconds * 1000): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = performance.now();
      this.beating = this.beating
        .then(() => this.beat(true))
        .finally(() => this.schedule(Math.max(0, this.settings.heartbeatSeconds * 1000 - (performance.now() - started))));
    }, ms);
  }

  /**
   * Another replica freed leases or joined, or the configuration changed (a new binding): look at the
   * share now (claims only; shedding keeps to the heartbeat), so a new binding starts without waiting for a beat.
   */
  beatSoon(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.beating = this.beating.then(() => this.beat(false));
    }, 50);
  }

  private async release(bindingIds: string[]): Promise<void> {
    try {
      await this.events.releasing(bindingIds);
      await releaseLeases(this.db, this.replicaId, bindingIds);
      await notify(this.db, LEASES_CHANNEL, this.replicaId);
    } catch (error) {
      this.logger.warn({ err: error }, "could not release leases; they expire on their own");
    }
  }

  private async beat(mayShed: boolean): Promise<void> {
    if (this.stopped) return;
    const { ttlSeconds, replica } = this.settings;
    try {
      await heartbeat(this.db, replica);
      const renewed = new Map((await renewLeases(this.db, replica.id, ttlSeconds)).map((l) => [l.bindingId, l.epoch]));
      if (this.stopped) return;
      const lost = [...this.held.keys()].filter((id) => renewed.get(id) !== this.held.get(id));
      for (const id of lost) this.held.delete(id);
      if (lost.length) {
        this.logger.warn({ leases: lost.length }, "leases lost (claimed by another replica after they expired): their actors stop");
        void this.events.lost(lost);
      }
      const { replicas, bindings } = await shareCounts(this.db, ttlSeconds);
      const share = Math.ceil(bindings / replicas);
      if (this.held.size < share) {
        const claimed = await claimLeases(this.db, replica.id, ttlSeconds, share - this.held.size);
        for (const lease of claimed) this.held.set(lease.bindingId, lease.epoch);
        if (claimed.length) {
          this.logger.info({ claimed: claimed.length, held: this.held.size, share, replicas }, "leases claimed");
          void this.events.gained(claimed.map((l) => l.bindingId));
        }
      } else if (mayShed && this.held.size > share) {
        const count = Math.min(this.held.size - share, Math.max(1, Math.ceil(share / SHED_PART)));
        const shed = [...this.held.keys()].slice(-count);
        for (const id of shed) this.held.delete(id);
        this.logger.info({ releasing: shed.length, held: this.held.size, share, replicas }, "leases released toward the fair share");
        // Renewed meanwhile (the owner is still this replica) until their actors stopped and they are released.
        this.shedding = this.shedding.then(() => this.release(shed));
      }
    } catch (error) {
      // A beat that fails is retried at the next; leases not renewed by then are lost and their actors stop.
      this.logger.warn({ err: error }, "lease heartbeat failed");
    }
  }
}
