import { Command, InvalidArgumentError, Option } from 'commander'
import { ROLES, type Role, type TokenInfo } from '../../shared/dispatch.js'
import { CLI_ACTOR } from '../auth/actor.js'
import { createAuthService } from '../auth/auth.service.js'
import type { Settings } from '../config/settings.js'
import { openDatabase } from '../db/connect.js'
import type { Logger } from '../logger.js'

function parseCapacity(value: string): number {
  const capacity = Number(value)
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 200) {
    throw new InvalidArgumentError('must be a whole number of bikes from 1 to 200')
  }
  return capacity
}

function describeToken(info: TokenInfo): string {
  const crew = info.crew_id ? ` crew ${info.crew_id}` : ''
  const used = info.last_used_at ? `last used ${info.last_used_at}` : 'never used'
  const revoked = info.revoked_at ? `, REVOKED ${info.revoked_at}` : ''
  return `${String(info.token_id).padStart(4)}  ${info.token_prefix}…  ${info.role.padEnd(10)} ${info.name}${crew} (${used}${revoked})`
}

type LoadSettings = (flags: { databaseUrl?: string; dataDir?: string }) => Promise<Settings>

/** `balancer token create|list|revoke`: API tokens for crews, dispatchers, analysts and engines. */
export function tokenCommand(
  logger: Logger,
  loadSettings: LoadSettings,
  withDatabaseOptions: (command: Command) => Command,
): Command {
  const token = new Command('token').description(
    'API tokens: crews claim work with them, dispatchers, analysts and engines use the API',
  )

  async function withAuth<T>(
    flags: { databaseUrl?: string; dataDir?: string },
    use: (auth: ReturnType<typeof createAuthService>) => Promise<T>,
  ): Promise<T> {
    const database = await openDatabase(await loadSettings(flags), logger, { poolSize: 2 })
    try {
      return await use(createAuthService(database.db))
    } finally {
      await database.close()
    }
  }

  withDatabaseOptions(
    token
      .command('create')
      .description('create a token and print it once (only its SHA-256 digest is stored)')
      .addOption(
        new Option('--role <role>', 'what the token may do').choices(ROLES).makeOptionMandatory(),
      )
      .requiredOption('--name <name>', 'who holds it: "Van 3", "depot desk 2", "QGIS"')
      .option('--crew <id>', "crew tokens: the crew's worker_id (default: from the name)")
      .option('--van-capacity <bikes>', 'crew tokens: bikes the van carries', parseCapacity),
  ).action(
    async (flags: {
      role: Role
      name: string
      crew?: string
      vanCapacity?: number
      databaseUrl?: string
      dataDir?: string
    }) => {
      const created = await withAuth(flags, (auth) =>
        auth.createToken(
          {
            role: flags.role,
            name: flags.name,
            crewId: flags.crew,
            vanCapacity: flags.vanCapacity,
          },
          CLI_ACTOR,
        ),
      )
      const { info } = created
      process.stderr.write(
        `Created ${info.role} token ${info.token_id} "${info.name}"${info.crew_id ? ` for crew ${info.crew_id}` : ''}.\n` +
          'Copy it now: it is not stored and cannot be shown again.\n',
      )
      // The token alone on stdout, so `TOKEN=$(balancer token create ...)` works.
      process.stdout.write(`${created.token}\n`)
    },
  )

  withDatabaseOptions(
    token
      .command('list')
      .description('list tokens (never the secrets)')
      .option('--all', 'include revoked tokens')
      .option('--json', 'print them as one JSON array (the GET /tokens answer)'),
  ).action(
    async (flags: { all?: boolean; json?: boolean; databaseUrl?: string; dataDir?: string }) => {
      const tokens = await withAuth(flags, (auth) =>
        auth.listTokens({ includeRevoked: Boolean(flags.all) }),
      )
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(tokens, null, 2)}\n`
          : tokens.length === 0
            ? 'No tokens yet: balancer token create --role crew --name "Van 1"\n'
            : `${tokens.map(describeToken).join('\n')}\n`,
      )
    },
  )

  withDatabaseOptions(
    token
      .command('revoke')
      .description('revoke a token by its id or its shown prefix; it stops working at once here')
      .argument('<token>', 'the id or the prefix (bwb_xxxxxx) from `token list`'),
  ).action(async (which: string, flags: { databaseUrl?: string; dataDir?: string }) => {
    const info = await withAuth(flags, (auth) => auth.revokeToken(which, CLI_ACTOR))
    process.stdout.write(`Revoked ${info.role} token ${info.token_id} "${info.name}".\n`)
  })

  return token
}
