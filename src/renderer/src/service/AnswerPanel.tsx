import type { ReactNode } from 'react'
import type { CsvRow } from '../../../shared/csv'
import type { TableName } from '../../../shared/service-csv'
import { Panel } from '../common/Panel'
import { Empty, Loaded } from '../common/states'
import type { Resource } from '../common/useResource'
import { ExportButton } from './parts'

/** The worst stations, clusters and tasks shown before "Show all". */
export const TOP = 20

/**
 * A panel of one answer about the range: its loading and its failure, then what it holds, with
 * an export of all its rows.
 */
export function AnswerPanel<T extends { system_id: string; from: string; to: string }>({
  title,
  className,
  meta,
  resource,
  what,
  csv,
  empty,
  children,
}: {
  title: string
  className?: string
  meta?: ReactNode
  resource: Resource<T>
  /** "stations": loading stations…, Stations unavailable. */
  what: string
  /**
   * The export: its button's "Export <what> as CSV" (the panel's `what` unless given), the table
   * its file is named for, its rows.
   */
  csv: { what?: string; table: TableName; rows: (data: T) => readonly CsvRow[] }
  /** What to say instead of `children` when the answer holds nothing to show (null: show it). */
  empty?: (data: T) => string | null
  children: (data: T) => ReactNode
}) {
  const data = resource.data
  return (
    <Panel
      title={title}
      className={className}
      meta={meta}
      actions={
        data && (
          <ExportButton
            what={csv.what ?? what}
            table={csv.table}
            answer={data}
            rows={() => csv.rows(data)}
          />
        )
      }
    >
      <Loaded resource={resource} what={what}>
        {(loaded) => {
          const nothing = empty?.(loaded) ?? null
          return nothing === null ? children(loaded) : <Empty title={nothing} />
        }}
      </Loaded>
    </Panel>
  )
}
