import { useMemo } from 'react'
import type { ClusterMember, ServiceCluster } from '../../../shared/service-levels'
import { amountColumn, SortTable, type Column } from './parts'
import { formatDollars, formatMinutes } from './service-data'
import { StationLink, stationRows } from './StationsTable'
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
    amountColumn(
      {
        key: 'outage',
        label: 'Outage',
        title: 'Minutes beyond 10 in a row with no bike, or no dock, in the whole cluster',
      },
      (row) => row.outage_minutes,
      formatMinutes,
      true,
    ),
    amountColumn(
      { key: 'dollars', label: 'Cost', title: '$1 for each outage minute' },
      (row) => row.outage_dollars,
      formatDollars,
    ),
    amountColumn(
      { key: 'episodes', label: 'Outages', title: 'Outages longer than 10 minutes' },
      (row) => row.episodes,
    ),
    amountColumn({ key: 'longest', label: 'Longest' }, (row) => row.longest_minutes, formatMinutes),
    amountColumn(
      {
        key: 'outEmpty',
        label: 'No bike',
        title: 'Minutes out because no station of the cluster had a usable bike (all of them)',
      },
      (row) => row.minutes_out_empty,
      formatMinutes,
    ),
    amountColumn(
      {
        key: 'outFull',
        label: 'No dock',
        title: 'Minutes out because none had an operable dock (all of them)',
      },
      (row) => row.minutes_out_full,
      formatMinutes,
    ),
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
      limit={limit}
      noun="clusters"
      {...stationRows(systemId)}
    />
  )
}
