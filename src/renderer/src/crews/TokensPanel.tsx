import { useCallback, useState } from 'react'
import {
  ROLES,
  type CreatedToken,
  type CreateTokenRequest,
  type Role,
  type TokenInfo,
} from '../../../shared/dispatch'
import type { ConsoleClient } from '../api/client'
import { formatAgo, formatClock, formatFullTime, messageOf } from '../common/format'
import { ConfirmRevoke } from '../common/ConfirmRevoke'
import { Empty, ErrorNotice, Loaded } from '../common/states'
import { CopyFailed, useCopy } from '../common/useCopy'
import { useResource } from '../common/useResource'
import { useSubmit } from '../common/useSubmit'
import { ROLE_LABELS } from '../session/roles'

/** The secret, once: copy it now or never see it again. */
function NewToken({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const { copied, copy } = useCopy()
  return (
    <div className="secret" role="status">
      <p className="secret-title">
        Token for <strong>{created.info.name}</strong> ({ROLE_LABELS[created.info.role]}
        {created.info.crew_id ? `, crew ${created.info.crew_id}` : ''}) created.
      </p>
      <p>Copy it now: it is shown this once and never again (only its digest is kept).</p>
      <div className="secret-row">
        <code className="secret-value" data-testid="new-token">
          {created.token}
        </code>
        <button type="button" className="button" onClick={() => copy(created.token)}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button button-quiet" onClick={onDone}>
          Done
        </button>
      </div>
      <CopyFailed copied={copied} what="token" />
    </div>
  )
}

function CreateToken({ onCreate }: { onCreate: (request: CreateTokenRequest) => Promise<void> }) {
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('crew')
  const [crewId, setCrewId] = useState('')
  const [capacity, setCapacity] = useState('')
  const { working, error, submit } = useSubmit(() => {
    const van = capacity.trim() === '' ? undefined : Number(capacity)
    return onCreate({
      name: name.trim(),
      role,
      ...(role === 'crew' && crewId.trim() ? { crew_id: crewId.trim() } : {}),
      ...(role === 'crew' && van !== undefined ? { van_capacity: van } : {}),
    }).then(() => {
      setName('')
      setCrewId('')
      setCapacity('')
    })
  })

  return (
    <form className="token-form" onSubmit={submit} aria-label="Create a token">
      <label className="field">
        <span>Name</span>
        <input
          required
          value={name}
          placeholder={role === 'crew' ? 'Van 3' : 'Depot desk 2'}
          onChange={(event) => setName(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Role</span>
        <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((option) => (
            <option key={option} value={option}>
              {ROLE_LABELS[option]}
            </option>
          ))}
        </select>
      </label>
      {role === 'crew' && (
        <>
          <label className="field">
            <span>Crew id</span>
            <input
              value={crewId}
              placeholder="from the name"
              onChange={(event) => setCrewId(event.target.value)}
            />
          </label>
          <label className="field field-narrow">
            <span>Van bikes</span>
            <input
              inputMode="numeric"
              value={capacity}
              placeholder="any"
              onChange={(event) => setCapacity(event.target.value)}
            />
          </label>
        </>
      )}
      <button type="submit" className="button" disabled={working || name.trim() === ''}>
        {working ? 'Creating…' : 'Create token'}
      </button>
      {error && (
        <p className="error-text form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}

/** Tokens handed out and revoked: crews, desks and engines sign in with these. */
export function TokensPanel({
  client,
  now,
  timeZone,
  onChange,
}: {
  client: ConsoleClient
  now: number
  timeZone: string | null
  /** A token was made or revoked: the crews' counts change. */
  onChange: () => void
}) {
  const loadTokens = useCallback(() => client.invoke('tokens:list', {}), [client])
  const tokens = useResource(client, loadTokens)
  const [created, setCreated] = useState<CreatedToken | null>(null)
  const [revoking, setRevoking] = useState<number | null>(null)
  const [failure, setFailure] = useState<string | null>(null)

  const create = async (request: CreateTokenRequest) => {
    setCreated(await client.invoke('tokens:create', request))
    tokens.reload()
    onChange()
  }

  const revoke = async (token: TokenInfo) => {
    try {
      await client.invoke('tokens:revoke', { token_id: token.token_id })
      setFailure(null)
    } catch (error) {
      setFailure(`"${token.name}" was not revoked: ${messageOf(error)}`)
    }
    setRevoking(null)
    tokens.reload()
    onChange()
  }

  return (
    <section className="panel" aria-labelledby="tokens-title">
      <header className="panel-header">
        <h2 id="tokens-title">Tokens</h2>
        <span className="panel-meta">Crews, desks and engines sign in with these</span>
      </header>
      <div className="panel-body">
        {created ? (
          <NewToken created={created} onDone={() => setCreated(null)} />
        ) : (
          <CreateToken onCreate={create} />
        )}
      </div>
      <ErrorNotice message={failure} />
      <Loaded resource={tokens} what="tokens">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No active tokens" />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Token</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th className="right">Revoke</th>
                </tr>
              </thead>
              <tbody>
                {list.map((token) => (
                  <tr key={token.token_id}>
                    <td>
                      <span className="strong">{token.name}</span>
                      {token.crew_id && <span className="sub">crew {token.crew_id}</span>}
                    </td>
                    <td>{ROLE_LABELS[token.role]}</td>
                    <td>
                      <code>{token.token_prefix}…</code>
                    </td>
                    <td title={formatFullTime(token.created_at, timeZone)}>
                      {formatClock(token.created_at, timeZone)}
                    </td>
                    <td>{formatAgo(token.last_used_at, now)}</td>
                    <td className="right nowrap">
                      <ConfirmRevoke
                        name={token.name}
                        asking={revoking === token.token_id}
                        onAsk={() => setRevoking(token.token_id)}
                        onRevoke={() => void revoke(token)}
                        onKeep={() => setRevoking(null)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  )
}
