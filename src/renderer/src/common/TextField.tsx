/** A labelled text input as the console's forms lay them out (`field`, or `field field-narrow`). */
export function TextField({
  label,
  value,
  onChange,
  placeholder,
  narrow = false,
}: {
  label: string
  value: string
  onChange: (value: string) => void
  placeholder?: string
  narrow?: boolean
}) {
  return (
    <label className={narrow ? 'field field-narrow' : 'field'}>
      <span>{label}</span>
      <input
        value={value}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  )
}
