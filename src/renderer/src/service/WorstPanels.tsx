import { useMemo } from 'react'
import type { ServiceClusters, ServiceStations } from '../../../shared/service-levels'
import { clustersCsv, stationsCsv } from '../../../shared/service-csv'
import { plural } from '../common/format'
import type { Resource } from '../common/useResource'
import { AnswerPanel, TOP } from './AnswerPanel'
import { STATION_SORTS } from './table-data'
import { ClustersTable } from './ClustersTable'
import { stationColumns, StationsTable } from './StationsTable'

export function StationsPanel({ stations }: { stations: Resource<ServiceStations> }) {
  const data = stations.data
  return (
    <AnswerPanel
      title="Worst stations"
      className="panel-wide"
      meta={data && `most hours empty or full first · ${plural(data.stations.length, 'station')}`}
      resource={stations}
      what="stations"
      csv={{
        table: 'stations',
        rows: (answer) => stationsCsv(answer.system_id, answer.stations),
      }}
      empty={(answer) =>
        answer.stations.length === 0 ? 'No station reported in these days' : null
      }
    >
      {(answer) => (
        <StationsTable
          label="Worst stations"
          systemId={answer.system_id}
          stations={answer.stations}
          columns={stationColumns}
          sorts={STATION_SORTS}
          limit={TOP}
        />
      )}
    </AnswerPanel>
  )
}

export function ClustersPanel({ clusters }: { clusters: Resource<ServiceClusters> }) {
  const data = clusters.data
  const out = data?.clusters.filter((cluster) => cluster.outage_minutes > 0).length ?? 0
  // The worst are those that were out at all; the hundreds never out are in the export.
  const worst = useMemo(
    () => data?.clusters.filter((cluster) => cluster.minutes_out > 0) ?? [],
    [data],
  )
  return (
    <AnswerPanel
      title="Worst clusters"
      className="panel-wide"
      meta={
        data &&
        `a station and those within ${Math.round(data.radius_meters)} m · ${plural(data.clusters.length, 'cluster')}, ${out.toLocaleString()} with an outage, ${(data.clusters.length - worst.length).toLocaleString()} never out`
      }
      resource={clusters}
      what="clusters"
      csv={{
        table: 'clusters',
        rows: (answer) => clustersCsv(answer.system_id, answer.clusters),
      }}
      empty={(answer) =>
        answer.clusters.length === 0
          ? 'No clusters in these days'
          : worst.length === 0
            ? 'No cluster was out in these days'
            : null
      }
    >
      {(answer) => (
        <ClustersTable
          label="Worst clusters"
          systemId={answer.system_id}
          clusters={worst}
          limit={TOP}
        />
      )}
    </AnswerPanel>
  )
}
