/** One of a few answers, as large radio rows a thumb can hit; the chosen one stands out. */
export function Choices<T, V extends string>({
  legend,
  name,
  options,
  valueOf,
  labelOf,
  chosen,
  onChoose,
}: {
  legend: string
  name: string
  options: readonly T[]
  valueOf: (option: T) => V
  labelOf: (option: T) => string
  chosen: V | null
  onChoose: (value: V) => void
}) {
  return (
    <fieldset className="choices">
      <legend>{legend}</legend>
      {options.map((option) => {
        const value = valueOf(option)
        return (
          <label key={value} className={`choice${chosen === value ? ' chosen' : ''}`}>
            <input
              type="radio"
              name={name}
              value={value}
              checked={chosen === value}
              onChange={() => onChoose(value)}
            />
            {labelOf(option)}
          </label>
        )
      })}
    </fieldset>
  )
}
