/**
 * Creating the initial agents.
 */
import { z } from 'zod';
import { agentName } from '../../common/backend-api';
import { DuplicateAgentError, type AgentRepository } from '../storage/types';
import { hashPassword } from './passwords';

/** An agent to create if missing. */
export interface AgentSeed {
  name: string;
  display_name: string;
  password: string;
}

/** Schema of a seed list (the `SEED_AGENTS_FILE` JSON). */
export const agentSeedList = z.array(
  z.object({
    name: agentName,
    display_name: z.string().trim().min(1, 'is required').max(128, 'is at most 128 characters'),
    password: z.string().min(8, 'is at least 8 characters').max(256, 'is at most 256 characters'),
  }),
);

/**
 * Create each listed agent that does not exist yet (names compare case-insensitively).
 *
 * Idempotent: existing agents are left exactly as they are — their passwords are not
 * reset — so running it at every start-up is safe. Returns the names it created.
 */
export async function seedAgents(repo: AgentRepository, seeds: readonly AgentSeed[], now: () => Date = () => new Date()): Promise<string[]> {
  const parsed = agentSeedList.parse(seeds);
  const created: string[] = [];
  for (const seed of parsed) {
    if (await repo.findByName(seed.name)) continue;
    const password_hash = await hashPassword(seed.password);
    try {
      await repo.create({ name: seed.name, display_name: seed.display_name, password_hash }, now().toISOString());
      created.push(seed.name);
    } catch (error) {
      // Another instance may have created it between the lookup and the insert.
      if (!(error instanceof DuplicateAgentError)) throw error;
    }
  }
  return created;
}
