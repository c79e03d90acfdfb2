import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { GbfsFile } from './types.js'
import type { WarningCollector } from './warnings.js'

/**
 * The official GBFS JSON Schemas (MobilityData/gbfs-json-schema, Apache-2.0), bundled: the
 * server is one Vite bundle and has no schema folder to read at run time.
 */
const files = import.meta.glob<Record<string, unknown>>('./schemas/v*/*.json', {
  eager: true,
  import: 'default',
})

const SCHEMAS = new Map<string, Record<string, unknown>>(
  Object.entries(files).map(([path, schema]) => {
    const match = /\/v([\d.]+)\/([a-z_]+)\.json$/.exec(path)
    if (!match) throw new Error(`unexpected schema file ${path}`)
    return [`${match[1]}/${match[2]}`, schema]
  }),
)

/** Versions we hold schemas for, oldest first. */
export const SCHEMA_VERSIONS = ['1.0', '1.1', '2.0', '2.1', '2.2', '2.3', '3.0'] as const
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number]

function parseVersion(version: string): [number, number] | null {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim())
  return match ? [Number(match[1]), Number(match[2])] : null
}

/**
 * The schema version a document is checked against. A document without `version` is 1.0 (the
 * field arrived in 1.1; Lyft's legacy feeds never sent it). An unknown version is checked against
 * the newest we know of its major version ("3.1-RC3" as 3.0), and `exact` says so.
 */
export function schemaVersionFor(version: string | null): {
  version: SchemaVersion
  exact: boolean
} {
  if (version === null) return { version: '1.0', exact: true }
  const parsed = parseVersion(version)
  if (!parsed) return { version: '1.0', exact: false }
  const [major, minor] = parsed
  const known = `${major}.${minor}`
  if ((SCHEMA_VERSIONS as readonly string[]).includes(known)) {
    return { version: known as SchemaVersion, exact: true }
  }
  const candidates = SCHEMA_VERSIONS.filter((candidate) => {
    const [candidateMajor, candidateMinor] = parseVersion(candidate) ?? [0, 0]
    return candidateMajor < major || (candidateMajor === major && candidateMinor <= minor)
  })
  return { version: candidates.at(-1) ?? '1.0', exact: false }
}

// One Ajv per version: schemas of different versions may share an $id.
const validators = new Map<string, ValidateFunction | null>()
const ajvs = new Map<SchemaVersion, Ajv>()

function validatorFor(version: SchemaVersion, file: GbfsFile): ValidateFunction | null {
  const key = `${version}/${file}`
  const cached = validators.get(key)
  if (cached !== undefined) return cached
  const schema = SCHEMAS.get(key)
  let validate: ValidateFunction | null = null
  if (schema) {
    let ajv = ajvs.get(version)
    if (!ajv) {
      // Lenient: unknown keywords and formats in the official schemas must not stop us, and
      // every deviation is wanted (allErrors), since each becomes a counted warning.
      ajv = new Ajv({ allErrors: true, strict: false, logger: false })
      addFormats(ajv)
      ajvs.set(version, ajv)
    }
    validate = ajv.compile(schema)
  }
  validators.set(key, validate)
  return validate
}

/** The value at a JSON pointer, for showing what a deviation looked like. */
function valueAt(document: unknown, pointer: string): unknown {
  let value = document
  for (const part of pointer.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return value
}

const ARRAY_INDEX = /\/\d+(?=\/|$)/g
const MAX_EXAMPLES = 5

function describe(error: ErrorObject, instancePattern: string): string {
  const path = instancePattern || '(document)'
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? []
    return `${path} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
  }
  return `${path} ${error.message ?? error.keyword}`
}

/**
 * Checks a document against the official schema of its version. Deviations become warnings on
 * the feed's health, grouped by path and message: real feeds deviate (Lyft's 0/1 booleans in
 * 2.3, "v"-prefixed versions, numeric region ids) and a strict check would refuse the very feeds
 * a depot runs on.
 */
export function validateDocument(
  file: GbfsFile,
  version: string | null,
  document: unknown,
  warnings: WarningCollector,
): void {
  const schemaVersion = schemaVersionFor(version)
  if (!schemaVersion.exact) {
    warnings.add(
      file,
      'unknown_version',
      `version ${JSON.stringify(version)} is not one we hold a schema for; checked against ${schemaVersion.version}`,
    )
  }
  const validate = validatorFor(schemaVersion.version, file)
  if (!validate || validate(document)) return
  const errors = validate.errors ?? []
  // A failed "contains" (gbfs.json must list system_information) comes with one error per item
  // that is not it; the item errors are noise, their const names what was missing.
  const wanted = new Map<string, unknown>()
  for (const error of errors) {
    if (error.keyword === 'const' && error.schemaPath.includes('/contains/')) {
      const parent = error.instancePath.replace(/\/\d+(\/[^/]*)?$/, '')
      wanted.set(parent, (error.params as { allowedValue?: unknown }).allowedValue)
    }
  }
  // Grouped here before they reach the collector: Divvy's status has 5,433 deviations of three
  // kinds, and describing each one separately took 12 ms of a 25 ms read.
  const groups = new Map<string, { message: string; count: number; examples: string[] }>()
  for (const error of errors) {
    if (error.schemaPath.includes('/contains/')) continue
    const path = error.instancePath.replace(ARRAY_INDEX, '/*')
    const key = `${error.schemaPath}\u0000${path}`
    let group = groups.get(key)
    if (!group) {
      const message =
        error.keyword === 'contains' && wanted.has(error.instancePath)
          ? `${path} must list ${JSON.stringify(wanted.get(error.instancePath))}`
          : describe(error, path)
      group = {
        message: `${message} (GBFS ${schemaVersion.version} schema)`,
        count: 0,
        examples: [],
      }
      groups.set(key, group)
    }
    group.count += 1
    if (group.examples.length < MAX_EXAMPLES) {
      const value = error.keyword === 'required' ? undefined : valueAt(document, error.instancePath)
      const shown = value === undefined ? '' : `=${JSON.stringify(value).slice(0, 40)}`
      group.examples.push(`${error.instancePath || '/'}${shown}`)
    }
  }
  for (const group of groups.values()) {
    warnings.addGroup(file, 'schema', group.message, group.count, group.examples)
  }
}
