/**
 * Ending an agent's sessions as far as presence is concerned.
 */
import type { AppContext } from '../context';

/**
 * Sign a credential out of presence (after logout): close the streams it holds and, when the
 * agent has no other open stream here, go offline at once — an explicit logout gets no grace
 * period. (Streams the agent holds through another instance are that instance's: when they
 * close, the grace period applies there.)
 */
export async function signOutPresence(ctx: Pick<AppContext, 'agentStreams' | 'presence'>, agentId: string, credentialId: string): Promise<void> {
  ctx.agentStreams.closeCredential(credentialId, 'logged-out');
  if (!ctx.agentStreams.hasAgent(agentId) && ctx.presence.get(agentId)) await ctx.presence.set(agentId, 'offline', 'logout');
}
