import { z } from 'zod'
import { suggestionSchema } from './dispatch.js'

/**
 * The suggestion engine's shapes on the wire: a run on demand (`POST /suggestions/run`, the IPC
 * channel `suggestions:run`, `balancer suggest --json`) and what it reports.
 */

export const ENGINE_POLICIES = ['engine', 'seed_heuristic'] as const
export type EnginePolicy = (typeof ENGINE_POLICIES)[number]

export const engineRunRequestSchema = z
  .object({
    system_id: z.string().trim().min(1).max(64).optional().meta({
      description: 'Required when the database holds more than one system.',
    }),
    policy: z.enum(ENGINE_POLICIES).optional().meta({
      description:
        "engine (default): the expected-dissatisfaction engine; seed_heuristic: the previous system's rules, as a suggestion source of their own.",
    }),
    crews: z.int('must be a whole number').min(1).max(200).optional().meta({
      description: 'Crews to plan for (default: crews seen in the last 12 hours, at least 3).',
    }),
    van_capacity: z.int('must be a whole number').min(1).max(200).optional(),
  })
  .strict()
export type EngineRunRequest = z.infer<typeof engineRunRequestSchema>

export const engineRunSummarySchema = z
  .object({
    system_id: z.string(),
    source: z.enum(ENGINE_POLICIES),
    /** The demand model the run used (null: no trips imported yet, nothing to plan from). */
    model_version: z.int().nullable(),
    model_fitted: z.boolean().meta({ description: 'Whether this run fitted a new model version.' }),
    stations: z.int(),
    horizon_minutes: z.int(),
    created: z.int(),
    superseded: z.int(),
    duration_ms: z.int(),
    started_at: z.string(),
    /** Why nothing was suggested, when that is the case. */
    note: z.string().nullable(),
    suggestions: z.array(suggestionSchema),
  })
  .strict()
export type EngineRunSummary = z.infer<typeof engineRunSummarySchema>
