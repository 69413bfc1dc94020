/**
 * Ending an agent's sessions as far as presence is concerned.
 */
import type { AppContext } from '../context';

/**
 * Sign a credential out of presence (after logout): close the streams it holds and, when the
 * agent has no other open stream, go offline at once — an explicit logout gets no grace period.
 */
export function signOutPresence(ctx: Pick<AppContext, 'agentStreams' | 'presence'>, agentId: string, credentialId: string): void {
  ctx.agentStreams.closeCredential(credentialId, 'logged-out');
  if (!ctx.agentStreams.hasAgent(agentId) && ctx.presence.get(agentId)) ctx.presence.set(agentId, 'offline', 'logout');
}
