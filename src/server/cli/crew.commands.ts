import { networkInterfaces } from 'node:os'
import type { Command } from 'commander'
import QRCode from 'qrcode'
import type { Pairing } from '../../shared/crew-access.js'
import { CLI_ACTOR } from '../auth/actor.js'
import { createAuthService } from '../auth/auth.service.js'
import { loadSettings, type Settings } from '../config/settings.js'
import { chooseCrewAddress } from '../crew-access/crew-address.js'
import { createPairing } from '../crew-access/pairing.service.js'
import { readAutoCertificate, resolveTls, type TlsMaterial } from '../crew-access/tls.js'
import { openDatabase } from '../db/connect.js'
import type { Logger } from '../logger.js'
import type { CommandHelpers } from './trips.commands.js'

interface PairFlags {
  crew: string
  json?: boolean
  databaseUrl?: string
  dataDir?: string
}

/**
 * The certificate `serve` uses, read and never made here: making one while a server runs with
 * another would hand phones a fingerprint the server does not have.
 */
async function servedCertificate(settings: Settings): Promise<TlsMaterial | null> {
  if (settings.tls === 'off') return null
  if (settings.tlsCert || settings.tlsKey) return resolveTls(settings, [])
  if (settings.tls === 'auto') return readAutoCertificate(settings.dataDir)
  return null
}

/** The pairing as a person at a headless depot reads it: the link, when it ends, a QR code. */
export async function describePairing(pairing: Pairing): Promise<string> {
  const qr = await QRCode.toString(pairing.url, { type: 'terminal', small: true })
  return [
    `Open on the crew's phone (or scan the code below): ${pairing.url}`,
    `Pairing code: ${pairing.code} (one use, until ${pairing.expires_at})`,
    pairing.tls_fingerprint
      ? `Certificate SHA-256: ${pairing.tls_fingerprint}`
      : 'TLS is off: the token will cross the network in clear (serve --tls auto to encrypt it).',
    ...(pairing.warning ? [`Warning: ${pairing.warning}`] : []),
    qr.trimEnd(),
    '',
  ].join('\n')
}

/** `balancer crew pair`: a pairing link for a crew's phone, for a depot with no console. */
export function addCrewCommands(program: Command, logger: Logger, helpers: CommandHelpers): void {
  const crew = program.command('crew').description("crews' phones: pairing by QR code")
  helpers
    .withDatabaseOptions(
      crew
        .command('pair')
        .description(
          "make a one-time pairing link (10 minutes) for a crew's phone and print it with a QR code",
        )
        .requiredOption('--crew <id>', "the crew's id (its worker_id)")
        .option('--json', 'print the answer of POST /crews/{crew_id}/pairings as JSON'),
    )
    .action(async (flags: PairFlags) => {
      const settings = await loadSettings(helpers.overrides(flags))
      const tls = await servedCertificate(settings)
      if (settings.tls === 'auto' && !tls && !settings.tlsCert) {
        process.stderr.write(
          `No certificate yet in ${settings.dataDir}/tls: \`balancer serve --tls auto\` makes it on its first start. This link is plain HTTP.\n`,
        )
      }
      const database = await openDatabase(settings, logger, { poolSize: 2 })
      try {
        const pairing = await createPairing(
          {
            db: database.db,
            auth: createAuthService(database.db),
            // The address `serve` gives phones, worked out from the same settings.
            access: () =>
              chooseCrewAddress({
                host: settings.host,
                port: settings.port,
                tls: tls ? { port: settings.tlsPort ?? 0, fingerprint: tls.fingerprint } : null,
                publicUrl: settings.publicUrl ?? null,
                interfaces: networkInterfaces(),
              }),
          },
          { crew_id: flags.crew },
          CLI_ACTOR,
        )
        process.stdout.write(
          flags.json ? `${JSON.stringify(pairing, null, 2)}\n` : await describePairing(pairing),
        )
      } finally {
        await database.close()
      }
    })
}
