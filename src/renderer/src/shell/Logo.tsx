export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" className="logo-tile" />
      <circle cx="10" cy="19" r="5" className="logo-wheel" />
      <circle cx="22" cy="19" r="5" className="logo-wheel" />
      <path d="M10 19 L15 11 L22 19 M13 11 H17" className="logo-frame" />
    </svg>
  )
}
