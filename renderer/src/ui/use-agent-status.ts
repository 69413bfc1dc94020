/**
 * The agent's status as the backend pushes it, read once per page: the status line
 * (StatusSelector) and the wrap-up panel both take it from here, so start-up makes one
 * `GET /api/agent/status` and one subscription, not one per component.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AgentStatusInfoPayload } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';

export interface AgentStatusState {
  /** The newest status known: pushed, read, or the answer to the agent's own change; null until one. */
  info: AgentStatusInfoPayload | null;
  /** Why the first read failed, until a status arrives. */
  readError: string | null;
  /** Records the backend's answer to the agent's own change. */
  set(info: AgentStatusInfoPayload): void;
}

/** Reads and follows the status once `enabled` (after the voice session's start). */
export function useAgentStatus(bridge: Bridge, enabled = true): AgentStatusState {
  const [info, setInfo] = useState<AgentStatusInfoPayload | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    const off = bridge.onStatusChanged((status) => {
      setInfo(status);
      setReadError(null);
    });
    bridge.getStatus().then(
      // A pushed event may already have arrived; it is at least as new as this answer.
      (status) => {
        if (cancelled) return;
        setInfo((current) => current ?? status);
        setReadError(null);
      },
      (e: unknown) => !cancelled && setReadError(e instanceof Error ? e.message : 'Could not read your status.'),
    );
    return () => {
      cancelled = true;
      off();
    };
  }, [bridge, enabled]);
  const set = useCallback((next: AgentStatusInfoPayload) => {
    setInfo(next);
    setReadError(null);
  }, []);
  return { info, readError, set };
}
