/**
 * The agents' server-sent event streams (`GET /api/agent/events`).
 *
 * Each open stream belongs to one agent and the credential that opened it, so a logout or a
 * disabled agent closes exactly the streams that credential (or agent) holds.
 */

/** The write side of one open stream. */
export interface StreamSink {
  write(chunk: string): void;
  end(): void;
}

interface OpenStream {
  agentId: string;
  credentialId: string;
  sink: StreamSink;
}

/**
 * Format one server-sent event.
 *
 * `data` is JSON on a single line, so no field can break the framing.
 */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Every open agent stream, by agent. */
export class AgentStreams {
  private readonly streams = new Set<OpenStream>();

  /** Register a stream; returns the function that forgets it (call when the connection closes). */
  add(agentId: string, credentialId: string, sink: StreamSink): () => void {
    const stream: OpenStream = { agentId, credentialId, sink };
    this.streams.add(stream);
    return () => void this.streams.delete(stream);
  }

  /** Send an event to every stream of an agent. */
  send(agentId: string, event: string, data: unknown): void {
    const chunk = formatEvent(event, data);
    for (const stream of this.streams) if (stream.agentId === agentId) stream.sink.write(chunk);
  }

  /** Whether the agent has any open stream. */
  hasAgent(agentId: string): boolean {
    for (const stream of this.streams) if (stream.agentId === agentId) return true;
    return false;
  }

  /** Number of open streams (for tests and health). */
  get size(): number {
    return this.streams.size;
  }

  /** Tell the streams opened with this credential why they end, and close them. */
  closeCredential(credentialId: string, reason: string): void {
    this.closeWhere((s) => s.credentialId === credentialId, reason);
  }

  /** Tell every stream of an agent why it ends, and close them. */
  closeAgent(agentId: string, reason: string): void {
    this.closeWhere((s) => s.agentId === agentId, reason);
  }

  /** Close every stream (shutdown); clients reconnect to the next instance. */
  closeAll(): void {
    this.closeWhere(() => true, null);
  }

  private closeWhere(match: (stream: OpenStream) => boolean, reason: string | null): void {
    for (const stream of [...this.streams]) {
      if (!match(stream)) continue;
      this.streams.delete(stream);
      if (reason !== null) stream.sink.write(formatEvent('session-ended', { reason }));
      stream.sink.end();
    }
  }
}
