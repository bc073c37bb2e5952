// A DevTools protocol session with another Node process started with
// `--inspect=<host>:<port>`: what node:inspector offers only for the process
// itself (its Session cannot reach another one), over the inspector's WebSocket.
import WebSocket from "ws";

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const reply = JSON.parse(data.toString()) as Reply;
      // Events (no id) are not asked for here.
      const waiting = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id!);
      if (reply.error) waiting.reject(new Error(`inspector: ${reply.error.message}`));
      else waiting.resolve(reply.result);
    });
    const fail = (error: Error) => {
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("inspector: the session closed")));
  }

  /** Opens a session with the process whose inspector listens on `port` (loopback). */
  static async connect(port: number): Promise<InspectorSession> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    if (!targets[0]) throw new Error(`no inspector target on port ${port}`);
    // A CPU profile or heap figures of a large process come as one message of many megabytes.
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 2 ** 30 });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new InspectorSession(socket);
  }

  post<T = unknown>(method: string, params?: object): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}
