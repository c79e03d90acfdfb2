/** A count as the import reports it: 12,345. */
export const count = (n: number) => n.toLocaleString('en-US')
/** A share as a percentage: 0 % and 100 % whole, others to a tenth. */
export const percent = (share: number) =>
  `${(share * 100).toFixed(share === 0 || share === 1 ? 0 : 1)} %`
