import { useMemo } from 'react'
import type { ClusterMember, ServiceCluster } from '../../../shared/service-levels'
import { openStation } from '../shell/routes'
import { Amount, SortTable, type Column } from './parts'
import { formatDollars, formatMinutes } from './service-data'
import { StationLink, stationName } from './StationsTable'
import { CLUSTER_SORTS } from './table-data'

const distance = (meters: number) => `${Math.round(meters)} m`

/** The nearest members by name; a downtown cluster of 15 says how many more and lists them on hover. */
const MEMBERS_SHOWN = 3

function Members({ systemId, members }: { systemId: string; members: readonly ClusterMember[] }) {
  if (members.length === 0) return <span className="muted">none within reach</span>
  const shown = members.slice(0, MEMBERS_SHOWN)
  const more = members.length - shown.length
  return (
    <span className="members">
      {shown.map((member, i) => (
        <span key={member.station_id}>
          <StationLink
            systemId={systemId}
            stationId={member.station_id}
            name={member.name}
            title={`${member.name}: ${distance(member.distance_meters)} away`}
          />
          {i < shown.length - 1 && ', '}
        </span>
      ))}
      {more > 0 && (
        <span
          className="muted"
          title={members
            .slice(MEMBERS_SHOWN)
            .map((member) => `${member.name} (${distance(member.distance_meters)})`)
            .join('\n')}
        >
          {' '}
          and {more} more
        </span>
      )}
    </span>
  )
}

function clusterColumns(systemId: string): Column<ServiceCluster, keyof typeof CLUSTER_SORTS>[] {
  return [
    {
      key: 'name',
      label: 'Around',
      width: '20%',
      clip: true,
      title: 'The station the cluster is drawn around',
      cell: (row) => <StationLink systemId={systemId} stationId={row.station_id} name={row.name} />,
    },
    {
      key: 'members',
      label: 'With',
      width: '27%',
      title: 'The other stations within a third of a mile (or the 3 nearest), nearest first',
      cell: (row) => <Members systemId={systemId} members={row.members} />,
    },
    {
      key: 'outage',
      label: 'Outage',
      title: 'Minutes beyond 10 in a row with no bike, or no dock, in the whole cluster',
      numeric: true,
      cell: (row) => (
        <Amount value={row.outage_minutes} text={formatMinutes(row.outage_minutes)} alert />
      ),
    },
    {
      key: 'dollars',
      label: 'Cost',
      title: '$1 for each outage minute',
      numeric: true,
      cell: (row) => <Amount value={row.outage_dollars} text={formatDollars(row.outage_dollars)} />,
    },
    {
      key: 'episodes',
      label: 'Outages',
      title: 'Outages longer than 10 minutes',
      numeric: true,
      cell: (row) => <Amount value={row.episodes} text={row.episodes.toLocaleString()} />,
    },
    {
      key: 'longest',
      label: 'Longest',
      numeric: true,
      cell: (row) => (
        <Amount value={row.longest_minutes} text={formatMinutes(row.longest_minutes)} />
      ),
    },
    {
      key: 'outEmpty',
      label: 'No bike',
      title: 'Minutes out because no station of the cluster had a usable bike (all of them)',
      numeric: true,
      cell: (row) => (
        <Amount value={row.minutes_out_empty} text={formatMinutes(row.minutes_out_empty)} />
      ),
    },
    {
      key: 'outFull',
      label: 'No dock',
      title: 'Minutes out because none had an operable dock (all of them)',
      numeric: true,
      cell: (row) => (
        <Amount value={row.minutes_out_full} text={formatMinutes(row.minutes_out_full)} />
      ),
    },
  ]
}

/** Clusters, most outage minutes first; a row opens the station the cluster is drawn around. */
export function ClustersTable({
  label,
  systemId,
  clusters,
  limit,
}: {
  label: string
  systemId: string
  clusters: readonly ServiceCluster[]
  limit?: number
}) {
  const columns = useMemo(() => clusterColumns(systemId), [systemId])
  return (
    <SortTable
      label={label}
      rows={clusters}
      columns={columns}
      sorts={CLUSTER_SORTS}
      initialSort={{ key: 'outage', direction: 'desc' }}
      rowKey={(row) => row.station_id}
      tie={stationName}
      limit={limit}
      noun="clusters"
      onOpen={(row) => openStation({ systemId, stationId: row.station_id })}
    />
  )
}
