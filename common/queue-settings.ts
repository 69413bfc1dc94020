/**
 * A queue's settings (seed 003's call queue concepts): hold music, position announcements,
 * who answers, and where calls go on timeout, overflow and when no agent is serving.
 */
import { z } from 'zod';
import { agentName } from './backend-api';
import { httpUrl } from './ncco-schema';
import { queueName, routeTarget, spokenText, VOICEMAIL } from './route-targets';

/** Schema of `PUT /api/admin/queues/:name`'s body. */
export const queueSettings = z
  .strictObject({
    label: z.string().trim().max(100, 'is at most 100 characters').optional(),
    greeting: spokenText.default('Thank you for calling. Please hold and the next available agent will be with you.'),
    /** Played while waiting; the backend's own hold music when left out. */
    music_on_hold_url: httpUrl.nullable().default(null),
    /** Tell callers their place in the line on arrival and every `announce_every_s`. */
    announce_position: z.boolean().default(false),
    announce_every_s: z.number().int('must be a whole number').min(10, 'must be between 10 and 600').max(600, 'must be between 10 and 600').default(30),
    /** Said privately to the agent before the caller is joined; none by default. */
    agent_whisper: spokenText.nullable().default(null),
    /** Who answers this queue; empty means every agent. */
    agents: z
      .array(agentName)
      .max(500, 'must list at most 500 agents')
      .default([])
      .refine((names) => new Set(names.map((n) => n.toLowerCase())).size === names.length, 'must not list an agent twice'),
    /** How long an agent's phone rings before the next agent is tried, in seconds. */
    ring_timeout_s: z.number().int('must be a whole number').min(5, 'must be between 5 and 120').max(120, 'must be between 5 and 120').default(20),
    /** Longest wait before the timeout redirect, in seconds. */
    max_wait_s: z.number().int('must be a whole number').min(10, 'must be between 10 and 7200').max(7200, 'must be between 10 and 7200').default(300),
    /** Most callers waiting at once; the next one gets the overflow redirect. */
    max_length: z.number().int('must be a whole number').min(1, 'must be between 1 and 1000').max(1000, 'must be between 1 and 1000').default(20),
    /** Service-level target: a call answered within this many seconds counts as served in time (the wallboard's service level). */
    service_level_s: z.number().int('must be a whole number').min(1, 'must be between 1 and 3600').max(3600, 'must be between 1 and 3600').default(20),
    on_timeout: routeTarget.default(VOICEMAIL),
    on_overflow: routeTarget.default(VOICEMAIL),
    /** When a call arrives and no agent of the queue is available, busy or in wrap-up. */
    on_no_agents: routeTarget.default(VOICEMAIL),
  });

/** What the operator sends. */
export type QueueSettingsInput = z.input<typeof queueSettings>;
/** Validated settings with every default filled in. */
export type QueueSettings = z.output<typeof queueSettings>;

/** A configured queue. */
export interface QueueConfig {
  name: string;
  settings: QueueSettings;
  updated_at: string;
}

/** The path parameter of `/api/admin/queues/:name`. */
export const queueParam = z.strictObject({ name: queueName });
