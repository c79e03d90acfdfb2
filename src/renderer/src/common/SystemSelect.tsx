/** The systems among `pairs` of id and name, once each, by name: a SystemSelect's choices. */
export function systemsByName(pairs: Iterable<readonly [string, string]>): [string, string][] {
  return [...new Map(pairs)].sort((a, b) => a[1].localeCompare(b[1]))
}

/** A system chosen by its name; `none` is the words for choosing none (the value ''), if any. */
export function SystemSelect({
  systems,
  value,
  onChange,
  none,
}: {
  systems: readonly [string, string][]
  value: string
  onChange: (systemId: string) => void
  none?: string
}) {
  return (
    <label className="field">
      System
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {none !== undefined && <option value="">{none}</option>}
        {systems.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
    </label>
  )
}
