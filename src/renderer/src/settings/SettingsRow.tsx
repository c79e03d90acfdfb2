import type { InputHTMLAttributes, ReactNode } from 'react'
import type { Form } from './settings-form'

/** What a panel of the settings form is given: the form, a change to it, a field's error mark. */
export interface FormPart {
  form: Form
  set: (change: Partial<Form>) => void
  fieldError: (field: string) => { 'aria-invalid'?: true }
}

/** One labelled text field in a settings row, with a hint under it. */
export function TextRow({
  label,
  hint,
  ...input
}: { label: string; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className="settings-row">
      <span className="settings-label">{label}</span>
      <span className="settings-value">
        <input aria-label={label} {...input} />
        {hint && <span className="hint">{hint}</span>}
      </span>
    </label>
  )
}
